/**
 * `rosey db restore`: the archive is verified in full into a temporary folder (archive-reader.ts)
 * before anything of Rosey's is touched; then the database is rebuilt beside the current one and
 * swapped in at once, and the replaced one is kept:
 * - SQLite: a new file next to the database (core migrations, the plugins' migrations up to the
 *   backed-up versions, the rows), renamed over it; the old file stays as `<file>.before-restore-<ts>`.
 * - PostgreSQL: one transaction, so the database is either the old one or the restored one, never a
 *   mix: the current tables are copied (core ones) or moved (plugin ones) into a schema
 *   `rosey_before_restore_<ts>`, the plugin tables are created again from their migrations, and the
 *   rows inserted. PostgreSQL's DDL is transactional, so this is the atomic swap, and it needs no
 *   more than owning the database: a second database swapped by rename would need CREATEDB and no
 *   session on either, and a second schema would change the schema Rosey's URL names.
 * Installed plugins and the plugin switches are swapped the same way (`<dataDir>/plugins` ↔ the
 * archived ones, the old folder kept). The configuration file is not overwritten: it is the
 * operator's (and usually had its secrets masked); the archived copy is saved beside the backups.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Knex } from 'knex';
import { CORE_MIGRATIONS } from '../../actors/database/core-migrations/index.js';
import { openDatabase, type Database, type Dialect } from '../../actors/database/open.js';
import { describeTarget, resolveDatabase, type DatabaseTarget } from '../../actors/database/target.js';
import { linkRoseySdk } from '../../plugin-packages/install-package.js';
import { installedPluginsDir, SWITCHES_FILE } from '../../plugin-packages/plugin-switches.js';
import { errorMessage } from '../../contract/result.js';
import type { LoadedConfig } from '../config/load.js';
import { pluginsToRun } from '../start-rosey.js';
import { BackupError, entryPaths, type BackupLimits, type BackupManifest } from './backup-format.js';
import { readArchive } from './archive-reader.js';
import { configDifferences, parseConfigText } from './config-copy.js';
import { BACKUPS_DIR, openOwnConnection } from './create-backup.js';
import { createPluginTables, isCoreTable } from './rebuild-schema.js';
import { insertRows, listTables, quoteIdentifier, resetSequences, type CellValue } from './table-rows.js';

export interface TableChange {
  name: string;
  /** Rows now; undefined when the table does not exist. */
  before?: number;
  /** Rows after the restore; undefined when the backup has no such table. */
  after?: number;
}

export interface PluginChange {
  name: string;
  before?: string;
  after?: string;
}

/** What a restore would do, read from a verified archive; `discard()` removes its temporary folder. */
export interface RestorePlan {
  archive: string;
  manifest: BackupManifest;
  database: string;
  tables: TableChange[];
  plugins: PluginChange[];
  /** Config keys whose values differ between the current file and the archived one. */
  configDifferences: string[];
  discard(): Promise<void>;
  /** The verified archive's contents (a temporary folder). */
  staging: string;
}

export interface RestoreResult {
  /** Where the replaced database is kept: a file, or a PostgreSQL schema. */
  keptDatabase?: string;
  keptPlugins?: string;
  savedConfig?: string;
}

/** Verifies `archive` and compares it with what is there now. Changes nothing of Rosey's. */
export async function planRestore(
  loaded: LoadedConfig,
  archive: string,
  options: { limits?: Partial<BackupLimits> } = {},
): Promise<RestorePlan> {
  if (!existsSync(archive)) throw new BackupError('BAD_ARCHIVE', 'no such file');
  const staging = await mkdtemp(join(tmpdir(), 'rosey-restore-'));
  const discard = () => rm(staging, { recursive: true, force: true });
  try {
    const manifest = await readArchive(archive, staging, options.limits);
    const known = new Set(CORE_MIGRATIONS.map((m) => m.name));
    const unknown = manifest.database.coreMigrations.find((name) => !known.has(name));
    if (unknown)
      throw new BackupError(
        'UNSUPPORTED',
        `the backup was made by a newer Rosey (${manifest.roseyVersion}, core migration ${unknown}); upgrade Rosey first`,
      );
    const target = resolveDatabase(loaded.config.database.url, loaded.dataDir);
    const now = await countRows(target);
    const names = [...new Set([...now.keys(), ...manifest.tables.map((t) => t.name)])].sort();
    const after = new Map(manifest.tables.map((t) => [t.name, t.rows]));
    const tables = names.map((name) => ({ name, before: now.get(name), after: after.get(name) }));
    const current = pluginsToRun(loaded, { includeDisabled: true }).plugins;
    const pluginNames = [
      ...new Set([...current.map((p) => p.manifest.name), ...manifest.plugins.map((p) => p.name)]),
    ];
    const plugins = pluginNames.sort().map((name) => ({
      name,
      before: current.find((p) => p.manifest.name === name)?.manifest.version,
      after: manifest.plugins.find((p) => p.name === name)?.version,
    }));
    return {
      archive,
      manifest,
      database: describeTarget(target),
      tables,
      plugins,
      configDifferences: await compareConfig(loaded, manifest, staging),
      discard,
      staging,
    };
  } catch (error) {
    await discard();
    throw error;
  }
}

async function countRows(target: DatabaseTarget): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  // A SQLite file that is not there is not created by looking.
  if (target.kind === 'sqlite' && !existsSync(target.file)) return counts;
  const db = await openOwnConnection(target);
  try {
    for (const table of await listTables(db.knex, db.dialect)) {
      const rows = (await db.knex(table.name).count({ n: '*' })) as Array<{ n: number | string }>;
      counts.set(table.name, Number(rows[0]?.n ?? 0));
    }
  } finally {
    await db.close();
  }
  return counts;
}

async function compareConfig(
  loaded: LoadedConfig,
  manifest: BackupManifest,
  staging: string,
): Promise<string[]> {
  const entry = manifest.files.find((f) => f.path.startsWith('config/'));
  if (!entry) return [];
  const archived = parseConfigText(entry.path, await readFile(join(staging, entry.path), 'utf8'));
  const current =
    loaded.file && existsSync(loaded.file)
      ? parseConfigText(loaded.file, await readFile(loaded.file, 'utf8'))
      : {};
  return configDifferences(current, archived);
}

const stamp = (now: Date) =>
  now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** Carries out a verified plan. The caller has made sure no Rosey runs on this data. */
export async function applyRestore(
  loaded: LoadedConfig,
  plan: RestorePlan,
  options: { now?: Date } = {},
): Promise<RestoreResult> {
  const ts = stamp(options.now ?? new Date());
  const target = resolveDatabase(loaded.config.database.url, loaded.dataDir);
  const result: RestoreResult = {};
  const rebuilt = target.kind === 'sqlite' ? await buildSqliteCopy(target.file, plan) : undefined;
  try {
    const undoPlugins = await swapPlugins(loaded.dataDir, plan, ts, result);
    try {
      result.keptDatabase =
        target.kind === 'sqlite'
          ? await swapSqlite(target.file, rebuilt!, ts)
          : await restorePostgres(target, plan, ts);
    } catch (error) {
      await undoPlugins();
      throw error;
    }
  } finally {
    if (rebuilt) await removeSqlite(rebuilt);
  }
  const config = plan.manifest.files.find((f) => f.path.startsWith('config/'));
  if (config) {
    const name = config.path.slice('config/'.length);
    const saved = join(loaded.dataDir, BACKUPS_DIR, `config-from-backup-${ts}${extname(name) || '.yaml'}`);
    await mkdir(dirname(saved), { recursive: true });
    await copyFile(join(plan.staging, config.path), saved);
    result.savedConfig = saved;
  }
  return result;
}

/** The restored SQLite database, complete, in a new file beside `file`. */
async function buildSqliteCopy(file: string, plan: RestorePlan): Promise<string> {
  const copy = `${file}.restoring-${randomBytes(4).toString('hex')}`;
  try {
    const db = await openDatabase({ kind: 'sqlite', file: copy });
    try {
      await db.knex.transaction(async (trx) => {
        await createPluginTables(trx, db, plan.manifest, plan.staging);
        await fillTables(trx, db.dialect, plan);
      });
      // One file to rename: the WAL folded back into it.
      await db.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
      await db.knex.raw('PRAGMA journal_mode = DELETE');
    } finally {
      await db.close();
    }
    return copy;
  } catch (error) {
    await removeSqlite(copy);
    throw asRestoreError(error);
  }
}

async function removeSqlite(file: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(`${file}${suffix}`, { force: true });
}

/**
 * `copy` becomes `file` in one rename. The current database is first folded into one file (its
 * WAL checkpointed: a WAL left beside the new file would be replayed onto it) and kept under a
 * second name by a hard link, so at no moment is there no database.
 */
async function swapSqlite(file: string, copy: string, ts: string): Promise<string | undefined> {
  await mkdir(dirname(file), { recursive: true });
  let kept: string | undefined;
  if (existsSync(file)) {
    const db = await openDatabase({ kind: 'sqlite', file }, { applyCoreMigrations: false });
    try {
      await db.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      await db.close();
    }
    kept = `${file}.before-restore-${ts}`;
    await link(file, kept);
  }
  await rename(copy, file);
  for (const suffix of ['-wal', '-shm']) await rm(`${file}${suffix}`, { force: true });
  return kept;
}

async function restorePostgres(target: DatabaseTarget, plan: RestorePlan, ts: string): Promise<string> {
  let db: Database;
  try {
    db = await openDatabase(target);
  } catch (error) {
    throw new BackupError('FAILED', errorMessage(error));
  }
  const keep = `rosey_before_restore_${ts.toLowerCase()}`;
  try {
    await db.knex.transaction(async (trx) => {
      await trx.raw(`CREATE SCHEMA ${quoteIdentifier(keep)}`);
      for (const table of await listTables(trx, 'postgresql')) {
        const name = quoteIdentifier(table.name);
        if (isCoreTable(table.name)) {
          await trx.raw(`CREATE TABLE ${quoteIdentifier(keep)}.${name} AS TABLE ${name}`);
          await trx.raw(`DELETE FROM ${name}`);
        } else {
          // Moved with its indexes and sequences; its migrations create it again below.
          await trx.raw(`ALTER TABLE ${name} SET SCHEMA ${quoteIdentifier(keep)}`);
        }
      }
      await createPluginTables(trx, db, plan.manifest, plan.staging);
      await fillTables(trx, 'postgresql', plan);
    });
  } catch (error) {
    throw asRestoreError(error);
  } finally {
    await db.close();
  }
  return `PostgreSQL schema ${keep}`;
}

/**
 * Every table of the rebuilt schema gets exactly the backup's rows: emptied first (migrations may
 * seed rows), then filled from the archive and counted. A table of the backup that the schema does
 * not have is refused (the transaction rolls back).
 */
async function fillTables(trx: Knex.Transaction, dialect: Dialect, plan: RestorePlan): Promise<void> {
  const present = new Map((await listTables(trx, dialect)).map((t) => [t.name, t]));
  for (const table of plan.manifest.tables) {
    if (!present.has(table.name))
      throw new BackupError(
        'FAILED',
        `the backup has table ${table.name}, which no migration in it creates (its plugin's migrations are not in the archive)`,
      );
  }
  for (const name of present.keys()) await trx(name).delete();
  for (const table of plan.manifest.tables) {
    let batch: CellValue[][] = [];
    let count = 0;
    const lines = createInterface({
      input: createReadStream(join(plan.staging, table.file)),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      batch.push(parseRow(line, table.columns.length, table.name, ++count));
      if (batch.length >= 500) {
        await insertRows(trx, dialect, table.name, table.columns, batch);
        batch = [];
      }
    }
    await insertRows(trx, dialect, table.name, table.columns, batch);
    if (count !== table.rows)
      throw new BackupError(
        'BAD_ARCHIVE',
        `${table.file} has ${count} rows, the manifest lists ${table.rows}`,
      );
    if (dialect === 'postgresql') await resetSequences(trx, table.name, table.columns);
  }
}

function parseRow(line: string, width: number, table: string, number: number): CellValue[] {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    throw new BackupError('BAD_ARCHIVE', `${table} row ${number} is not JSON`);
  }
  const ok =
    Array.isArray(row) &&
    row.length === width &&
    row.every(
      (v) =>
        v === null ||
        typeof v === 'number' ||
        typeof v === 'string' ||
        typeof v === 'boolean' ||
        (typeof v === 'object' && typeof (v as { $base64?: unknown }).$base64 === 'string'),
    );
  if (!ok) throw new BackupError('BAD_ARCHIVE', `${table} row ${number} does not match its ${width} columns`);
  return row as CellValue[];
}

/**
 * The archived installed plugins (and plugin switches) replace `<dataDir>/plugins` and
 * `<dataDir>/plugins.json`, the old ones kept beside them. Returns how to undo it.
 */
async function swapPlugins(
  dataDir: string,
  plan: RestorePlan,
  ts: string,
  result: RestoreResult,
): Promise<() => Promise<void>> {
  const undo: Array<() => Promise<void>> = [];
  const folder = installedPluginsDir(dataDir);
  const archived = plan.manifest.files.filter((f) => f.path.startsWith('plugins/'));
  if (archived.length > 0 || existsSync(folder)) {
    const staged = `${folder}.restoring-${randomBytes(4).toString('hex')}`;
    try {
      for (const file of archived) {
        const to = join(staged, ...file.path.split('/').slice(1));
        await mkdir(dirname(to), { recursive: true });
        await copyFile(join(plan.staging, file.path), to);
      }
      await mkdir(staged, { recursive: true });
      for (const plugin of plan.manifest.plugins.filter((p) => p.source === 'installed'))
        if (existsSync(join(staged, plugin.name))) await linkRoseySdk(join(staged, plugin.name));
    } catch (error) {
      await rm(staged, { recursive: true, force: true });
      throw new BackupError('FAILED', `cannot prepare the installed plugins: ${errorMessage(error)}`);
    }
    if (existsSync(folder)) {
      const kept = `${folder}.before-restore-${ts}`;
      await rename(folder, kept);
      result.keptPlugins = kept;
      undo.push(async () => {
        await rm(folder, { recursive: true, force: true });
        await rename(kept, folder);
      });
    } else undo.push(() => rm(folder, { recursive: true, force: true }));
    await rename(staged, folder);
  }
  const switches = join(dataDir, SWITCHES_FILE);
  const archivedSwitches = plan.manifest.files.find((f) => f.path === entryPaths.pluginSwitches);
  if (archivedSwitches || existsSync(switches)) {
    const kept = `${switches}.before-restore-${ts}`;
    if (existsSync(switches)) {
      await rename(switches, kept);
      undo.push(() => rename(kept, switches));
    }
    if (archivedSwitches) {
      await writeFile(`${switches}.tmp`, await readFile(join(plan.staging, archivedSwitches.path)));
      await rename(`${switches}.tmp`, switches);
      undo.push(() => rm(switches, { force: true }));
    }
  }
  return async () => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  };
}

function asRestoreError(error: unknown): BackupError {
  if (error instanceof BackupError) return error;
  return new BackupError('FAILED', errorMessage(error).split('\n')[0] ?? 'restore failed');
}
