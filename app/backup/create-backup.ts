/**
 * `rosey db backup`: one archive with the database (a consistent snapshot, taken on a connection of
 * its own while Rosey may be running and writing), the config, the plugin list, the installed
 * plugins, every plugin's migrations and the manifest with checksums (backup-format.ts).
 *
 * Consistency: SQLite copies the database with `VACUUM INTO` (one read transaction: a snapshot of
 * one instant, however long it takes, while writers carry on in WAL mode) and the rows are read from
 * that copy; PostgreSQL reads every table in one REPEATABLE READ, READ ONLY transaction, the same
 * snapshot pg_dump takes. Memory stays bounded: rows go to disk a page at a time, and from disk
 * through tar and gzip as streams.
 */
import { withoutUnwantedBuiltins } from '../opt-in-builtins.js';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { once } from 'node:events';
import type { Knex } from 'knex';
import { openDatabase, type Database, type Dialect } from '../../actors/database/open.js';
import { describeTarget, resolveDatabase, type DatabaseTarget } from '../../actors/database/target.js';
import { listPluginFiles } from '../../plugin-packages/plugin-files.js';
import { installedPluginsDir, readDisabled, SWITCHES_FILE } from '../../plugin-packages/plugin-switches.js';
import { errorMessage } from '../../contract/result.js';
import type { LoadedConfig } from '../config/load.js';
import { fileURLToPath } from 'node:url';
import { discoverPlugins } from '../../plugin-packages/manifest.js';
import { ROSEY_VERSION } from '../version.js';
import {
  BACKUP_FORMAT_VERSION,
  BackupError,
  entryPaths,
  type BackupFile,
  type BackupManifest,
  type BackupPlugin,
  type BackupTable,
} from './backup-format.js';
import { writeArchive } from './archive-writer.js';
import { configEntryName, maskedConfigText } from './config-copy.js';
import { listTables, readRows } from './table-rows.js';

export interface BackupOptions {
  /**
   * Where plugins are found (`pluginRoots` of app/start-rosey.ts, which the tree also has): passed
   * in, because that module starts the tree, and the tree's backup scheduler imports this one.
   */
  pluginRoots: readonly string[];
  /** The archive to write; default: a timestamped file in `<dataDir>/backups/`. */
  file?: string;
  includeSecrets?: boolean;
  /** For the file name (tests pin it). */
  now?: Date;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

export const BACKUPS_DIR = 'backups';

/** `rosey-backup-20261206T124501Z.tar.gz`: sorts by time, and the scheduler's retention reads it back. */
export function backupFileName(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `rosey-backup-${stamp}.tar.gz`;
}

export async function createBackup(loaded: LoadedConfig, options: BackupOptions): Promise<BackupSummary> {
  const destination = resolve(
    options.file ?? join(loaded.dataDir, BACKUPS_DIR, backupFileName(options.now ?? new Date())),
  );
  if (existsSync(destination)) throw new BackupError('REFUSED', `${destination} already exists`);
  await mkdir(dirname(destination), { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'rosey-backup-'));
  try {
    const sources = new Map<string, string>();
    const files: BackupFile[] = [];
    /** Copies `bytes` (or a file) into the work folder under `path`, hashed as it goes. */
    const add = async (path: string, from: { file: string } | { text: string }) => {
      const local = join(work, 'entries', ...path.split('/'));
      await mkdir(dirname(local), { recursive: true });
      if ('file' in from) await copyFile(from.file, local);
      else await writeFile(local, from.text);
      files.push({ path, ...(await hashFile(local)) });
      sources.set(path, local);
    };

    const snapshot = await snapshotDatabase(loaded, work);
    for (const [path, local] of snapshot.files) {
      files.push({ path, ...(await hashFile(local)) });
      sources.set(path, local);
    }

    const plugins = await collectPlugins(loaded, options.pluginRoots, snapshot.migrationVersions, add);

    let secrets: BackupManifest['secrets'] = 'no-config';
    if (loaded.file && existsSync(loaded.file)) {
      const text = await readFile(loaded.file, 'utf8');
      secrets = options.includeSecrets ? 'included' : 'masked';
      let stored: string;
      try {
        stored = options.includeSecrets ? text : maskedConfigText(loaded.file, text);
      } catch (error) {
        throw new BackupError('FAILED', `cannot read ${loaded.file}: ${errorMessage(error)}`);
      }
      await add(entryPaths.config(configEntryName(loaded.file)), { text: stored });
    }
    const switches = join(loaded.dataDir, SWITCHES_FILE);
    if (existsSync(switches)) await add(entryPaths.pluginSwitches, { file: switches });

    const manifest: BackupManifest = {
      format: 'rosey-backup',
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      roseyVersion: ROSEY_VERSION,
      database: snapshot.database,
      tables: snapshot.tables,
      plugins,
      secrets,
      files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    };
    await writeArchive(destination, manifest, sources);
    return { file: destination, bytes: (await stat(destination)).size, manifest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

interface Snapshot {
  database: BackupManifest['database'];
  tables: BackupTable[];
  /** Archive path → exported file in the work folder. */
  files: Map<string, string>;
  /** Plugin → its migration version in the snapshot. */
  migrationVersions: Map<string, number>;
}

/**
 * A connection of the backup's own, never the running Rosey's (the core migrations are the running
 * Rosey's business); a database that cannot be opened is a FAILED backup or restore.
 */
export async function openOwnConnection(target: DatabaseTarget): Promise<Database> {
  try {
    return await openDatabase(target, { applyCoreMigrations: false });
  } catch (error) {
    throw new BackupError('FAILED', errorMessage(error));
  }
}

async function snapshotDatabase(loaded: LoadedConfig, work: string): Promise<Snapshot> {
  const target = resolveDatabase(loaded.config.database.url, loaded.dataDir);
  if (target.kind === 'sqlite' && !existsSync(target.file))
    throw new BackupError('FAILED', `there is no database to back up at ${target.file}`);
  let db = await openOwnConnection(target);
  try {
    if (target.kind === 'sqlite') {
      const copy = join(work, 'snapshot.db');
      await db.knex.raw('VACUUM INTO ?', [copy]);
      await db.close();
      db = await openDatabase({ kind: 'sqlite', file: copy }, { applyCoreMigrations: false });
      return { ...(await exportAll(db.knex, 'sqlite', work)), database: await describe(db.knex, 'sqlite') };
    }
    return await db.knex.transaction(async (trx) => {
      await trx.raw('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return { ...(await exportAll(trx, 'postgresql', work)), database: await describe(trx, 'postgresql') };
    });
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(
      'FAILED',
      `cannot read ${describeTarget(target)}: ${errorMessage(error).split('\n')[0]}`,
    );
  } finally {
    await db.close();
  }
}

async function describe(knex: Knex | Knex.Transaction, dialect: Dialect): Promise<Snapshot['database']> {
  const rows = (await knex.raw('SELECT name FROM rosey_core_migrations ORDER BY id')) as
    Array<{ name: string }> | { rows: Array<{ name: string }> };
  const list = Array.isArray(rows) ? rows : rows.rows;
  return {
    dialect,
    snapshot: dialect === 'sqlite' ? 'vacuum-into' : 'repeatable-read',
    coreMigrations: list.map((r) => r.name),
  };
}

async function exportAll(
  knex: Knex | Knex.Transaction,
  dialect: Dialect,
  work: string,
): Promise<Omit<Snapshot, 'database'>> {
  const tables: BackupTable[] = [];
  const files = new Map<string, string>();
  await mkdir(join(work, 'database'), { recursive: true });
  let history: Array<[string, number, string]> = [];
  for (const table of await listTables(knex, dialect)) {
    const path = entryPaths.table(table.name);
    const local = join(work, 'database', `${table.name}.jsonl`);
    const out = createWriteStream(local);
    let rows = 0;
    for await (const page of readRows(knex, dialect, table)) {
      rows += page.length;
      if (table.name === HISTORY) history = history.concat(page.map(historyRow(table.columns)));
      if (!out.write(page.map((row) => `${JSON.stringify(row)}\n`).join(''))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    tables.push({ name: table.name, columns: table.columns, rows, file: path });
    files.set(path, local);
  }
  return { tables, files, migrationVersions: migrationVersions(history) };
}

const HISTORY = 'rosey_plugin_migrations';

const historyRow =
  (columns: string[]) =>
  (row: unknown[]): [string, number, string] => [
    String(row[columns.indexOf('plugin')]),
    Number(row[columns.indexOf('version')]),
    String(row[columns.indexOf('status')]),
  ];

/**
 * Each plugin's migration version from its history, read as the migration runner reads it: the
 * latest record of each version counts, and the versions whose latest is `applied` are applied.
 */
export function migrationVersions(history: ReadonlyArray<[string, number, string]>): Map<string, number> {
  const latest = new Map<string, Map<number, string>>();
  for (const [plugin, version, status] of history) {
    if (status !== 'applied' && status !== 'rolled_back') continue;
    const versions = latest.get(plugin) ?? new Map<number, string>();
    versions.set(version, status);
    latest.set(plugin, versions);
  }
  const out = new Map<string, number>();
  for (const [plugin, versions] of latest) {
    const applied = [...versions].filter(([, s]) => s === 'applied').map(([v]) => v);
    out.set(plugin, applied.length === 0 ? 0 : Math.max(...applied));
  }
  return out;
}

/** The built-in plugins' folder, as app/start-rosey.ts finds it (dist/plugins). */
const BUILTIN_PLUGINS_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));

async function collectPlugins(
  loaded: LoadedConfig,
  roots: readonly string[],
  versions: Map<string, number>,
  add: (path: string, from: { file: string }) => Promise<void>,
): Promise<BackupPlugin[]> {
  // Disabled plugins too: their tables are in the database.
  const plugins = withoutUnwantedBuiltins(discoverPlugins(roots).plugins, loaded.config);
  const disabled = new Set([...loaded.config.plugins.disabled, ...readDisabled(loaded.dataDir)]);
  const installedRoot = resolve(installedPluginsDir(loaded.dataDir)) + sep;
  const builtinRoot = resolve(BUILTIN_PLUGINS_DIR) + sep;
  const out: BackupPlugin[] = [];
  for (const plugin of plugins) {
    const { name, version } = plugin.manifest;
    const dir = resolve(plugin.dir) + sep;
    const source = dir.startsWith(installedRoot)
      ? 'installed'
      : dir.startsWith(builtinRoot)
        ? 'builtin'
        : 'path';
    if (source === 'installed') {
      const { files } = await listPluginFiles(plugin.dir);
      for (const file of files) await add(entryPaths.plugin(name, file), { file: join(plugin.dir, file) });
    }
    // Every plugin's migrations, wherever it lives: they rebuild its tables on the restore's target.
    const folder = join(plugin.dir, 'migrations');
    const migrations = existsSync(folder)
      ? readdirSync(folder).filter((f) => f.toLowerCase().endsWith('.sql'))
      : [];
    for (const file of migrations.sort())
      await add(entryPaths.migration(name, file), { file: join(folder, file) });
    out.push({
      name,
      version,
      source,
      disabled: disabled.has(name),
      migrationVersion: versions.get(name) ?? 0,
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}
