import { expect } from 'chai';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../actors/database/open.js';
import type { Result } from '../../contract/result.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { tempDir, useNatsServer } from '../support/nats.js';
import { FIXTURE_MIGRATIONS, startStorageKernel, type StorageKernel } from '../support/storage-kernel.js';

/** A plugin's migrations folder with these files. */
function folder(files: Record<string, string>): string {
  const dir = tempDir('rosey-migrations-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const data = <T>(result: Result<unknown>): T => {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.data as T;
};
const code = (result: Result<unknown>) => (result.ok ? 'ok' : result.error.code);
const message = (result: Result<unknown>) => (result.ok ? '' : result.error.message);

interface Report {
  steps: Array<{ version: number; name: string }>;
  currentVersion: number;
  dryRun: boolean;
  warnings: string[];
}
interface Status {
  currentVersion: number;
  availableVersion: number;
  applied: Array<{ version: number; actor: string; checksum: string }>;
  pending: Array<{ version: number }>;
  problems: string[];
  history: Array<{ version: number; action: string; status: string; error: string | null }>;
}

/** Tables (with their columns) that exist, to prove a failed migration left no trace. */
async function schemaSnapshot(kernel: StorageKernel, kind: DatabaseKind): Promise<string[]> {
  const db = await openDatabase(kernel.database, { applyCoreMigrations: false });
  try {
    if (kind === 'sqlite') {
      const rows = (await db.knex.raw(
        `SELECT m.name || '.' || p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1`,
      )) as Array<{ c: string }>;
      return rows.map((r) => r.c);
    }
    const rows = (await db.knex.raw(
      `SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1`,
    )) as { rows: Array<{ c: string }> };
    return rows.rows.map((r) => r.c);
  } finally {
    await db.close();
  }
}

const sqliteOrPostgres = (sqlite: string, postgres: string) =>
  `-- UP\n${sqlite}\n-- UP: postgresql\n${postgres}\n`;

forEachDatabase('plugin migrations over NATS', (kind) => {
  const nats = useNatsServer();
  let kernel: StorageKernel;
  const notes = tempDir('rosey-notes-');
  cpSync(`${FIXTURE_MIGRATIONS}notes`, notes, { recursive: true });

  const dirs = {
    notes,
    fresh: folder({
      '001_a.sql': '-- UP\nCREATE TABLE fresh__a (x INTEGER);\n-- DOWN\nDROP TABLE fresh__a;\n',
      '002_b.sql': '-- UP\nCREATE TABLE fresh__b (x INTEGER);\n-- DOWN\nDROP TABLE fresh__b;\n',
    }),
    broken: folder({
      '001_ok.sql': '-- UP\nCREATE TABLE broken__a (x INTEGER);\n-- DOWN\nDROP TABLE broken__a;\n',
      '002_fails_halfway.sql':
        '-- UP\nCREATE TABLE broken__b (x INTEGER);\nINSERT INTO broken__b (no_such_column) VALUES (1);\n-- DOWN\nDROP TABLE broken__b;\n',
    }),
    sneaky: folder({
      '001_steal.sql':
        '-- UP\nCREATE TABLE sneaky__a (x INTEGER);\nDROP TABLE trivia__scores;\n-- DOWN\nDROP TABLE sneaky__a;\n',
    }),
    peeky: folder({
      '001_copy_core.sql':
        '-- UP\nCREATE TABLE peeky__copy AS SELECT * FROM rosey_kv;\n-- DOWN\nDROP TABLE peeky__copy;\n',
    }),
    oneway: folder({
      '001_forever.sql': '-- UP\nCREATE TABLE oneway__a (x INTEGER);\n-- DOWN\n-- (cannot be undone)\n',
    }),
    lite: folder({
      '001_sqlite_only.sql':
        '-- UP\nCREATE TABLE lite__a (id INTEGER PRIMARY KEY AUTOINCREMENT);\n-- DOWN\nDROP TABLE lite__a;\n',
    }),
    typo: folder({
      '001_bad_sql.sql':
        '-- UP\nCREATE TABLE typo__a (x INTEGER);\nINSERT INTO typo__a (y) VALUES (1);\n-- DOWN\nDROP TABLE typo__a;\n',
    }),
    locked: folder({
      '001_a.sql': '-- UP\nCREATE TABLE locked__a (x INTEGER);\n-- DOWN\nDROP TABLE locked__a;\n',
    }),
    racing: folder({
      '001_a.sql': '-- UP\nCREATE TABLE racing__a (x INTEGER);\n-- DOWN\nDROP TABLE racing__a;\n',
    }),
    grows: folder({
      '001_a.sql':
        sqliteOrPostgres(
          'CREATE TABLE grows__a (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);',
          'CREATE TABLE grows__a (id SERIAL PRIMARY KEY, name TEXT NOT NULL);',
        ) + '-- DOWN\nDROP TABLE grows__a;\n',
    }),
  };

  before(async () => {
    kernel = await startStorageKernel(nats.url, kind, dirs);
  });
  after(() => kernel.stop());

  it('applies pending migrations in order, each recorded with who and its checksum', async () => {
    const applied = data<Report>(await kernel.call('migrate.notes.apply', { actor: 'tester' }));
    expect(applied.steps.map((s) => s.version)).to.deep.equal([1, 2]);
    expect(applied.currentVersion).to.equal(2);
    const status = data<Status>(await kernel.call('migrate.notes.status', {}));
    expect(status).to.deep.include({ currentVersion: 2, availableVersion: 2, pending: [], problems: [] });
    expect(status.applied.map((a) => [a.version, a.actor])).to.deep.equal([
      [1, 'tester'],
      [2, 'tester'],
    ]);
    expect(status.applied[0]!.checksum).to.match(/^[0-9a-f]{64}$/);
    // The seed rows of 002 are there, through storage.
    expect(await kernel.call('row.notes.count', { table: 'labels' })).to.deep.equal({
      ok: true,
      data: { count: 2 },
    });
    // Nothing left to do.
    expect(data<Report>(await kernel.call('migrate.notes.apply', {})).steps).to.deep.equal([]);
  });

  it('rolls back one at a time, or down to a version', async () => {
    const one = data<Report>(await kernel.call('migrate.notes.rollback', { actor: 'tester' }));
    expect(one.steps.map((s) => s.version)).to.deep.equal([2]);
    expect(one.currentVersion).to.equal(1);
    expect(code(await kernel.call('row.notes.count', { table: 'labels' }))).to.equal('UNKNOWN_TABLE');
    const all = data<Report>(await kernel.call('migrate.notes.rollback', { to_version: 0 }));
    expect(all.steps.map((s) => s.version)).to.deep.equal([1]);
    expect(data<Report>(await kernel.call('migrate.notes.rollback', {})).steps).to.deep.equal([]);
    const status = data<Status>(await kernel.call('migrate.notes.status', {}));
    expect(status.currentVersion).to.equal(0);
    expect(status.history.slice(0, 2).map((h) => [h.version, h.action, h.status])).to.deep.equal([
      [1, 'rollback', 'rolled_back'],
      [2, 'rollback', 'rolled_back'],
    ]);
  });

  it('applies up to a version only', async () => {
    expect(
      data<Report>(await kernel.call('migrate.notes.apply', { to_version: 1 })).steps.map((s) => s.version),
    ).to.deep.equal([1]);
    expect(
      data<Report>(await kernel.call('migrate.notes.apply', {})).steps.map((s) => s.version),
    ).to.deep.equal([2]);
    const below = await kernel.call('migrate.notes.apply', { to_version: 1 });
    expect(code(below)).to.equal('NOT_FOUND');
    expect(message(below)).to.equal(
      'it is at version 2: nothing up to 1 to apply (to go down, roll back to 1)',
    );
  });

  it('a dry run checks and rehearses everything and changes nothing', async () => {
    const before = await schemaSnapshot(kernel, kind);
    const report = data<Report>(await kernel.call('migrate.fresh.apply', { dry_run: true }));
    expect(report).to.deep.include({ dryRun: true, currentVersion: 0 });
    expect(report.steps.map((s) => s.version)).to.deep.equal([1, 2]);
    expect(await schemaSnapshot(kernel, kind)).to.deep.equal(before);
    expect(data<Status>(await kernel.call('migrate.fresh.status', {})).pending).to.have.length(2);
    const rollback = data<Report>(await kernel.call('migrate.notes.rollback', { count: 2, dry_run: true }));
    expect(rollback.steps.map((s) => s.version)).to.deep.equal([2, 1]);
    expect(data<Status>(await kernel.call('migrate.notes.status', {})).currentVersion).to.equal(2);
  });

  it('a dry run reports the SQL the database refuses', async () => {
    const result = await kernel.call('migrate.typo.apply', { dry_run: true });
    expect(code(result)).to.equal('MIGRATION_FAILED');
    expect(message(result)).to.match(/001_bad_sql\.sql statement 2: .*\by\b/);
    expect(data<Status>(await kernel.call('migrate.typo.status', {})).currentVersion).to.equal(0);
  });

  it('a failed migration leaves the schema exactly as it was, and the history says why', async () => {
    const before = await schemaSnapshot(kernel, kind);
    const result = await kernel.call('migrate.broken.apply', { actor: 'tester' });
    expect(code(result)).to.equal('MIGRATION_FAILED');
    expect(message(result)).to.match(
      /002_fails_halfway\.sql failed \(apply\): statement 2: .*no_such_column.*; nothing of it was kept \(applied before it, and kept: 001_ok\.sql\)$/,
    );
    const after = await schemaSnapshot(kernel, kind);
    // 001 went in (its own transaction); nothing of 002 did, not even its first statement.
    expect(after.filter((c) => !before.includes(c))).to.deep.equal(['broken__a.x']);
    const status = data<Status>(await kernel.call('migrate.broken.status', {}));
    expect(status.currentVersion).to.equal(1);
    expect(status.history[0]).to.deep.include({ version: 2, action: 'apply', status: 'failed' });
    expect(status.history[0]!.error).to.match(/no_such_column/);
  });

  it("confines a plugin's SQL to its own tables", async () => {
    const stealing = await kernel.call('migrate.sneaky.apply', {});
    expect(code(stealing)).to.equal('VALIDATION_FAILED');
    expect(message(stealing)).to.match(/trivia__scores is outside the namespace of plugin sneaky/);
    const peeking = await kernel.call('migrate.peeky.apply', {});
    expect(code(peeking)).to.equal('VALIDATION_FAILED');
    expect(message(peeking)).to.match(/rosey_kv/);
    expect(data<Status>(await kernel.call('migrate.sneaky.status', {})).currentVersion).to.equal(0);
  });

  it('refuses a changed, already-applied migration until it is put back', async () => {
    const file = join(notes, '001_create_items.sql');
    const original = (await import('node:fs')).readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('-- Test tables', '-- Edited test tables'));
    try {
      const status = data<Status>(await kernel.call('migrate.notes.status', {}));
      expect(status.problems[0]).to.match(/001_create_items\.sql was changed after it was applied/);
      expect(code(await kernel.call('migrate.notes.apply', {}))).to.equal('CHECKSUM_MISMATCH');
      expect(code(await kernel.call('migrate.notes.rollback', {}))).to.equal('CHECKSUM_MISMATCH');
    } finally {
      writeFileSync(file, original);
    }
    expect(data<Status>(await kernel.call('migrate.notes.status', {})).problems).to.deep.equal([]);
  });

  it('waits for the lock, gives up with LOCK_TIMEOUT, and takes over a lock left by a dead run', async () => {
    const db = await openDatabase(kernel.database, { applyCoreMigrations: false });
    try {
      const now = Date.now();
      await db
        .knex('rosey_migration_locks')
        .insert({ plugin: 'locked', holder: 'someone-else', acquired_at: now, expires_at: now + 60_000 });
      const blocked = await kernel.call('migrate.locked.apply', {});
      expect(code(blocked)).to.equal('LOCK_TIMEOUT');
      expect(data<Status>(await kernel.call('migrate.locked.status', {})).currentVersion).to.equal(0);
      await db
        .knex('rosey_migration_locks')
        .where({ plugin: 'locked' })
        .update({ expires_at: now - 1 });
      expect(data<Report>(await kernel.call('migrate.locked.apply', {})).steps).to.have.length(1);
      expect(await db.knex('rosey_migration_locks').where({ plugin: 'locked' })).to.deep.equal([]);
    } finally {
      await db.close();
    }
  });

  it('two applies at once never interleave: one applies, the other finds nothing to do', async () => {
    const [a, b] = await Promise.all([
      kernel.call('migrate.racing.apply', {}),
      kernel.call('migrate.racing.apply', {}),
    ]);
    const steps = [data<Report>(a).steps.length, data<Report>(b).steps.length].sort();
    expect(steps).to.deep.equal([0, 1]);
    const status = data<Status>(await kernel.call('migrate.racing.status', {}));
    expect(status.history.filter((h) => h.status === 'applied')).to.have.length(1);
  });

  it('refuses to roll back a migration whose DOWN is empty', async () => {
    data<Report>(await kernel.call('migrate.oneway.apply', {}));
    const result = await kernel.call('migrate.oneway.rollback', {});
    expect(code(result)).to.equal('IRREVERSIBLE');
  });

  it('checks SQL against the database it will run on', async () => {
    const result = await kernel.call('migrate.lite.apply', {});
    if (kind === 'postgresql') {
      expect(code(result)).to.equal('VALIDATION_FAILED');
      expect(message(result)).to.match(/AUTOINCREMENT is SQLite syntax/);
    } else {
      expect(code(result)).to.equal('ok');
    }
  });

  it('storage sees a migrated table change at once', async () => {
    data<Report>(await kernel.call('migrate.grows.apply', {}));
    expect(data(await kernel.call('row.grows.insert', { table: 'a', data: { name: 'x' } }))).to.deep.equal({
      id: 1,
    });
    expect(
      code(await kernel.call('row.grows.insert', { table: 'a', data: { name: 'y', level: 2 } })),
    ).to.equal('UNKNOWN_FIELD');
    writeFileSync(
      join(dirs.grows, '002_add_level.sql'),
      '-- UP\nALTER TABLE grows__a ADD COLUMN level INTEGER NOT NULL DEFAULT 1;\n-- DOWN\nALTER TABLE grows__a DROP COLUMN level;\n',
    );
    data<Report>(await kernel.call('migrate.grows.apply', {}));
    // The schema-changed event reaches storage asynchronously; it is at most a few ms behind.
    let inserted: Result<unknown> = await kernel.call('row.grows.insert', {
      table: 'a',
      data: { name: 'y', level: 2 },
    });
    for (let i = 0; i < 20 && !inserted.ok; i++) {
      await new Promise((r) => setTimeout(r, 25));
      inserted = await kernel.call('row.grows.insert', { table: 'a', data: { name: 'y', level: 2 } });
    }
    expect(data(inserted)).to.deep.equal({ id: 2 });
    expect(data(await kernel.call('row.grows.select', { table: 'a', id: 1 }))).to.deep.equal({
      row: { id: 1, name: 'x', level: 1 },
    });
  });

  it('answers bad requests with a clear error', async () => {
    expect(code(await kernel.call('migrate.nobody.status', {}))).to.equal('NOT_FOUND');
    expect(code(await kernel.call('migrate.notes.apply', { to_version: -1 }))).to.equal('VALIDATION_ERROR');
    expect(code(await kernel.call('migrate.notes.rollback', { count: 1, to_version: 0 }))).to.equal(
      'VALIDATION_ERROR',
    );
    expect(code(await kernel.call('migrate.notes.apply', { plugin: 'trivia' }))).to.equal('VALIDATION_ERROR');
    expect(code(await kernel.call('migrate.notes.drop', {}))).to.equal('VALIDATION_ERROR');
  });
});
