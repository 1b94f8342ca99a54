import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { MigrationRunner } from '../../actors/migrator/runner.js';
import { type RunReport, type StatusReport } from '../../contract/messages/migrations.js';
import { namespacePrefix } from '../../contract/messages/storage.js';
import { StorageError } from '../../actors/database/storage-error.js';
import { forEachDatabase, freshDatabase, type DatabaseKind } from '../support/databases.js';

/**
 * Every built-in plugin's SQL migrations, on SQLite and on a real PostgreSQL: applied, rolled back
 * to version 0 (leaving nothing of the plugin behind), applied again, and rehearsed by a dry run that
 * changes nothing. Plugins are found at run time, so a plugin that gains a `migrations/` folder is
 * covered without touching this file.
 *
 * Which copy is run: the one Rosey loads its built-in plugins from (`plugins/` next to the compiled
 * kernel, i.e. `dist/plugins/`, filled by scripts/copy-assets.mjs), like `BUILTIN_PLUGINS_DIR`. The
 * source `plugins/` folder is used when that copy has no migrations at all (only `tsc` was run, or
 * the test runs from source), and a separate test checks the copy is in step with the source.
 */
const BUILT_PLUGINS = fileURLToPath(new URL('../../plugins/', import.meta.url));
/** The source plugins/ folder when this file runs compiled (dist/test/plugins → the repository). */
const compiled = basename(fileURLToPath(new URL('../../', import.meta.url))) === 'dist';
const SOURCE_PLUGINS = compiled
  ? fileURLToPath(new URL('../../../plugins/', import.meta.url))
  : BUILT_PLUGINS;

const isSqlFile = (name: string) => name.toLowerCase().endsWith('.sql');
const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** Plugin folder name → its migration file names (every `*.sql`), for plugins with `migrations/`. */
function migrationFolders(root: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  if (!isDir(root)) return found;
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name, 'migrations');
    if (!name.startsWith('.') && isDir(dir)) found.set(name, readdirSync(dir).filter(isSqlFile).sort());
  }
  return found;
}

const built = migrationFolders(BUILT_PLUGINS);
const source = SOURCE_PLUGINS === BUILT_PLUGINS ? built : migrationFolders(SOURCE_PLUGINS);
const builtHasSql = [...built.values()].some((files) => files.length > 0);
const PLUGINS_ROOT = builtHasSql ? BUILT_PLUGINS : SOURCE_PLUGINS;
const PLUGINS = [...(PLUGINS_ROOT === BUILT_PLUGINS ? built : source).keys()];

/** Everything in the database's schema, as comparable lines (SQLite's own tables left out). */
async function schema(db: Database): Promise<string[]> {
  if (db.dialect === 'sqlite') {
    const rows = (await db.knex.raw(
      `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name`,
    )) as Array<{ type: string; name: string; tbl_name: string; sql: string | null }>;
    return rows.map((r) => `${r.type} ${r.name} on ${r.tbl_name}: ${r.sql ?? ''}`);
  }
  const lines = async (sql: string) =>
    ((await db.knex.raw(sql)) as { rows: Array<{ line: string }> }).rows.map((r) => r.line);
  return [
    ...(await lines(
      `SELECT 'table ' || c.table_name || '.' || c.column_name || ' ' || c.data_type || ' ' || c.is_nullable || ' ' || coalesce(c.column_default, '') AS line
       FROM information_schema.columns c WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`,
    )),
    ...(await lines(
      `SELECT 'index ' || indexname || ': ' || indexdef AS line FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`,
    )),
    ...(await lines(
      `SELECT 'sequence ' || sequence_name AS line FROM information_schema.sequences WHERE sequence_schema = current_schema() ORDER BY sequence_name`,
    )),
    ...(await lines(
      `SELECT 'view ' || table_name AS line FROM information_schema.views WHERE table_schema = current_schema() ORDER BY table_name`,
    )),
    ...(await lines(
      `SELECT DISTINCT 'trigger ' || trigger_name || ' on ' || event_object_table AS line FROM information_schema.triggers WHERE trigger_schema = current_schema() ORDER BY 1`,
    )),
  ];
}

/** The names of the tables in the database (current schema on PostgreSQL). */
async function tables(db: Database): Promise<string[]> {
  if (db.dialect === 'sqlite') {
    const rows = (await db.knex.raw(
      `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`,
    )) as Array<{
      name: string;
    }>;
    return rows.map((r) => r.name);
  }
  const result = (await db.knex.raw(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
  )) as { rows: Array<{ name: string }> };
  return result.rows.map((r) => r.name);
}

/**
 * Whether a name, or a schema line naming it, belongs to the plugin: a word of it starts with the
 * plugin's prefix (`quote_db__`), or with the index prefixes the validator allows (`idx_quote_db__`).
 */
function owns(plugin: string, text: string): boolean {
  const prefix = namespacePrefix(plugin).toLowerCase();
  const prefixes = [prefix, `idx_${prefix}`, `ux_${prefix}`, `uq_${prefix}`];
  return text
    .toLowerCase()
    .split(/[^a-z0-9_]+/)
    .some((word) => prefixes.some((p) => word.startsWith(p)));
}

/** The rows of the migration bookkeeping that concern the plugin: a dry run must add none. */
async function bookkeeping(db: Database, plugin: string): Promise<unknown[]> {
  const history = await db.knex('rosey_plugin_migrations').select('*').where({ plugin }).orderBy('id');
  const locks = await db.knex('rosey_migration_locks').select('*').where({ plugin });
  const audit = await db.knex('rosey_audit').select('*').where({ target: plugin }).orderBy('id');
  return [history, locks, audit];
}

forEachDatabase('built-in plugin migrations', (kind: DatabaseKind) => {
  it(`finds the built-in plugins with migrations (${PLUGINS.join(', ') || 'none'} in ${PLUGINS_ROOT})`, () => {
    // Guards against testing nothing: the folder moved, or the discovery broke.
    expect(PLUGINS, `no plugin with a migrations/ folder in ${PLUGINS_ROOT}`).to.include.members([
      'chat-stats',
      'countdown',
      'quote-db',
      'trivia',
    ]);
  });

  for (const plugin of PLUGINS) {
    const dir = join(PLUGINS_ROOT, plugin, 'migrations');

    it(`${plugin}: applies, rolls back to version 0, applies again, and a dry run changes nothing`, async () => {
      const where = `plugin ${plugin} on ${kind} (${dir})`;
      /** Runs one step; a failure names the plugin, the database and the runner's message (with the file). */
      const step = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
        try {
          return await work();
        } catch (error) {
          const why = error instanceof StorageError ? `${error.code}: ${error.message}` : String(error);
          throw new Error(`${where}: ${what} failed: ${why}`, { cause: error });
        }
      };

      const db = await openDatabase(await freshDatabase(kind));
      try {
        const runner = new MigrationRunner(db, { lockTimeoutMs: 5_000 });
        const status = (what: string): Promise<StatusReport> => step(what, () => runner.status(plugin, dir));

        const fresh = await status('status of a fresh database');
        const files = fresh.pending.map((p) => p.name);
        const versions = fresh.pending.map((p) => p.version);
        expect(files, `${where}: no migration file`).to.not.be.empty;
        expect(fresh.problems, `${where}: problems`).to.deep.equal([]);
        expect(fresh.currentVersion, where).to.equal(0);
        expect(fresh.availableVersion, where).to.equal(versions.at(-1));
        expect(
          (await tables(db)).filter((t) => owns(plugin, t)),
          `${where}: tables of the plugin before any migration`,
        ).to.deep.equal([]);

        /** 4. A dry run from version 0 rehearses every file and leaves schema and bookkeeping as they were. */
        const dryRunChangesNothing = async (when: string) => {
          const schemaBefore = await schema(db);
          const rowsBefore = await bookkeeping(db, plugin);
          const report: RunReport = await step(`dry-run apply (${when})`, () =>
            runner.apply(plugin, dir, { dryRun: true, actor: 'builtin-migrations-test' }),
          );
          expect(report.dryRun, `${where}: dry run (${when})`).to.equal(true);
          expect(
            report.steps.map((s) => s.name),
            `${where}: dry run (${when}) steps`,
          ).to.deep.equal(files);
          expect(report.currentVersion, `${where}: dry run (${when}) version`).to.equal(0);
          expect(await schema(db), `${where}: schema after the dry run (${when})`).to.deep.equal(
            schemaBefore,
          );
          expect(
            await bookkeeping(db, plugin),
            `${where}: history after the dry run (${when})`,
          ).to.deep.equal(rowsBefore);
          const after = await status(`status after the dry run (${when})`);
          expect(after.currentVersion, `${where}: version after the dry run (${when})`).to.equal(0);
          expect(
            after.pending.map((p) => p.name),
            `${where}: pending after the dry run (${when})`,
          ).to.deep.equal(files);
        };
        await dryRunChangesNothing('fresh database');

        /** 1. Everything applied: up to date, and the plugin's tables exist. */
        const schemaBeforeApply = await schema(db);
        const upToDate = async (what: string) => {
          const s = await status(`status after ${what}`);
          expect(s.problems, `${where}: problems after ${what}`).to.deep.equal([]);
          expect(s.pending, `${where}: pending after ${what}`).to.deep.equal([]);
          expect(s.currentVersion, `${where}: version after ${what}`).to.equal(s.availableVersion);
          expect(
            s.applied.map((a) => a.version),
            `${where}: applied after ${what}`,
          ).to.deep.equal(versions);
          const failed = s.history.filter((h) => h.status === 'failed');
          expect(failed, `${where}: failed attempts in the history after ${what}`).to.deep.equal([]);
          const own = (await tables(db)).filter((t) => owns(plugin, t));
          expect(own, `${where}: tables named ${namespacePrefix(plugin)}* after ${what}`).to.not.be.empty;
          for (const table of own)
            expect(await db.knex.schema.hasTable(table), `${where}: ${table}`).to.equal(true);
          return (await schema(db)).filter((line) => owns(plugin, line));
        };

        const applied = await step('apply', () =>
          runner.apply(plugin, dir, { actor: 'builtin-migrations-test' }),
        );
        expect(
          applied.steps.map((s) => s.name),
          `${where}: applied`,
        ).to.deep.equal(files);
        expect(applied.currentVersion, where).to.equal(versions.at(-1));
        const ownSchema = await upToDate('apply');

        /** 2. Rolled back to 0: nothing of the plugin left, the history says version 0. */
        const rolledBack = await step('rollback to version 0', () =>
          runner.rollback(plugin, dir, { toVersion: 0, actor: 'builtin-migrations-test' }),
        );
        expect(
          rolledBack.steps.map((s) => s.name),
          `${where}: rolled back`,
        ).to.deep.equal([...files].reverse());
        expect(rolledBack.currentVersion, where).to.equal(0);
        const down = await status('status after the rollback');
        expect(down.currentVersion, `${where}: version after the rollback`).to.equal(0);
        expect(down.applied, `${where}: applied after the rollback`).to.deep.equal([]);
        expect(
          down.pending.map((p) => p.name),
          `${where}: pending after the rollback`,
        ).to.deep.equal(files);
        expect(down.problems, `${where}: problems after the rollback`).to.deep.equal([]);
        const latest = down.history.slice(0, files.length);
        expect(
          latest.map((h) => [h.version, h.action, h.status]),
          `${where}: latest history after the rollback`,
        ).to.deep.equal([...versions].map((v) => [v, 'rollback', 'rolled_back']));
        expect(
          (await tables(db)).filter((t) => owns(plugin, t)),
          `${where}: tables of the plugin left after the rollback`,
        ).to.deep.equal([]);
        expect(await schema(db), `${where}: schema after the rollback vs before the apply`).to.deep.equal(
          schemaBeforeApply,
        );

        await dryRunChangesNothing('after the rollback');

        /** 3. Applied again: up to date, the same schema as the first time. */
        const again = await step('apply again', () =>
          runner.apply(plugin, dir, { actor: 'builtin-migrations-test' }),
        );
        expect(
          again.steps.map((s) => s.name),
          `${where}: applied again`,
        ).to.deep.equal(files);
        expect(
          await upToDate('applying again'),
          `${where}: schema of the plugin, second apply vs first`,
        ).to.deep.equal(ownSchema);
      } finally {
        await db.close();
      }
    });
  }
});

describe('built-in plugin migrations: the copy Rosey runs', () => {
  it('holds the same migration files as the source plugins/ folder', () => {
    // Run from the source tree, the plugins run are the source ones: there is no copy to compare.
    if (!compiled) return;
    const problems: string[] = [];
    for (const [plugin, files] of source) {
      const copied = built.get(plugin) ?? [];
      for (const file of files) {
        const from = join(SOURCE_PLUGINS, plugin, 'migrations', file);
        const to = join(BUILT_PLUGINS, plugin, 'migrations', file);
        if (!copied.includes(file)) problems.push(`${to} is missing`);
        else if (readFileSync(from, 'utf8') !== readFileSync(to, 'utf8'))
          problems.push(`${to} differs from ${from}`);
      }
      for (const file of copied)
        if (!files.includes(file))
          problems.push(
            `${join(BUILT_PLUGINS, plugin, 'migrations', file)} is not in the source (left over?)`,
          );
    }
    for (const plugin of built.keys())
      if (!source.has(plugin)) problems.push(`${plugin}: migrations only in ${BUILT_PLUGINS}`);
    expect(
      problems,
      'run `node scripts/copy-assets.mjs` (and remove left-over files from dist/)',
    ).to.deep.equal([]);
  });
});
