/**
 * What a Rosey backup archive (`.tar.gz`) holds, and the manifest that describes it. The manifest is
 * the archive's first entry; every other entry must be listed in it with its size and sha256, and
 * nothing listed may be missing, so a reader accepts exactly what the writer put there.
 *
 * The database is stored as a logical export (one JSON-lines file per table, a row per line as an
 * array in the manifest's column order), not as a SQLite file or a pg_dump script: a backup of a
 * SQLite Rosey must restore into PostgreSQL and back, and both dialects read JSON the same way. The
 * schema is not in the data: it comes from the migrations (Rosey's core ones and the plugins' SQL
 * files, which the archive carries), replayed on the target up to the versions the backup was at.
 */
import { z } from '../../contract/zod.js';
import { PLUGIN_NAME } from '../../contract/subjects.js';

/** The folder of `<dataDir>` that backups go to, scheduled or made with `rosey db backup`. */
export const BACKUPS_DIR = 'backups';

export const BACKUP_FORMAT_VERSION = 1;

export const MANIFEST_ENTRY = 'manifest.json';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** How much a backup may hold; a restore refuses an archive over any of them before writing it out. */
export interface BackupLimits {
  /** The manifest itself (it lists every file and table). */
  maxManifestBytes: number;
  /** Any one entry: a table's export, a plugin file, the config. */
  maxEntryBytes: number;
  /** Every entry together, unpacked: the gzip-bomb guard. */
  maxTotalBytes: number;
  maxEntries: number;
}

export const DEFAULT_BACKUP_LIMITS: Readonly<BackupLimits> = Object.freeze({
  maxManifestBytes: 16 * MiB,
  maxEntryBytes: 4 * GiB,
  maxTotalBytes: 32 * GiB,
  maxEntries: 100_000,
});

/** An entry path: relative, posix, plain ASCII, no `.`/`..` segments (checked again on read). */
const entryPath = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_@.+-]+(?:\/[A-Za-z0-9_@.+-]+)*$/, 'a plain relative path')
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), "no '.' or '..' segments");

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** A SQL identifier as Rosey's tables are named (core `rosey_*`, plugin `<plugin>__<table>`). */
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/);

export const backupFileSchema = z
  .object({
    path: entryPath,
    size: z.number().int().min(0),
    sha256,
  })
  .strict();

export const backupTableSchema = z
  .object({
    name: identifier,
    columns: z.array(identifier).min(1),
    rows: z.number().int().min(0),
    /** The table's JSON-lines file among `files`. */
    file: entryPath,
  })
  .strict();

export const backupPluginSchema = z
  .object({
    name: z.string().regex(PLUGIN_NAME),
    version: z.string().min(1).max(64),
    /** installed: in `<dataDir>/plugins` (and in the archive); builtin or path: found elsewhere. */
    source: z.enum(['installed', 'builtin', 'path']),
    disabled: z.boolean(),
    /** Its migration version in the backed-up database (0: none applied). */
    migrationVersion: z.number().int().min(0),
  })
  .strict();

export const backupManifestSchema = z
  .object({
    format: z.literal('rosey-backup'),
    formatVersion: z.number().int(),
    createdAt: z.string().datetime(),
    roseyVersion: z.string(),
    /** The database it was taken from, and how. */
    database: z
      .object({
        dialect: z.enum(['sqlite', 'postgresql']),
        snapshot: z.enum(['vacuum-into', 'repeatable-read']),
        /** Core migrations applied there: a restore needs a Rosey that knows them all. */
        coreMigrations: z.array(z.string()),
      })
      .strict(),
    tables: z.array(backupTableSchema),
    plugins: z.array(backupPluginSchema),
    /** Whether `config/` holds the secrets as they were (`--include-secrets`) or masked. */
    secrets: z.enum(['masked', 'included', 'no-config']),
    /** Every other entry of the archive, sorted by path. */
    files: z.array(backupFileSchema),
  })
  .strict();

export type BackupManifest = z.infer<typeof backupManifestSchema>;
export type BackupTable = z.infer<typeof backupTableSchema>;
export type BackupPlugin = z.infer<typeof backupPluginSchema>;
export type BackupFile = z.infer<typeof backupFileSchema>;

/** Where each part lives in the archive. */
export const entryPaths = {
  table: (name: string) => `database/${name}.jsonl`,
  config: (fileName: string) => `config/${fileName}`,
  pluginSwitches: 'plugins.json',
  plugin: (name: string, path: string) => `plugins/${name}/${path}`,
  migration: (plugin: string, file: string) => `migrations/${plugin}/${file}`,
} as const;

/** Tables a backup leaves out: the target's own bookkeeping, which its migrations write themselves. */
export const EXCLUDED_TABLES = new Set(['rosey_core_migrations', 'rosey_migration_locks', 'sqlite_sequence']);

/** A failure of backup or restore, with the one-line reason for the operator. */
export class BackupError extends Error {
  constructor(
    readonly code: 'BAD_ARCHIVE' | 'UNSAFE_ENTRY' | 'TOO_LARGE' | 'UNSUPPORTED' | 'REFUSED' | 'FAILED',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BackupError';
  }
}
