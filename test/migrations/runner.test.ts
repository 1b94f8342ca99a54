import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { StorageError } from '../../actors/database/storage-error.js';
import { MigrationRunner } from '../../actors/migrator/runner.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';
import { tempDir } from '../support/nats.js';
import { tableNamesLike } from './table-names.js';

/**
 * The migration runner on its own (test/storage/migrations.test.ts drives it over NATS): the exact
 * checksum, lock, version and history rules, with a clock the test controls.
 */

const PLUGIN = 'notes';
const migration = (table: string) =>
  `-- UP\nCREATE TABLE ${table} (x INTEGER);\n-- DOWN\nDROP TABLE ${table};\n`;

function folder(files: Record<string, string>): string {
  const dir = tempDir('rosey-runner-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const three = () =>
  folder({
    '001_a.sql': migration('notes__a'),
    '002_b.sql': migration('notes__b'),
    '003_c.sql': migration('notes__c'),
  });

/** The StorageError a run fails with: its code and message. */
async function refusal(run: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run;
  } catch (error) {
    if (error instanceof StorageError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the run to be refused');
}

forEachDatabase('migration runner: checksums, lock, up and down', (kind) => {
  let db: Database;
  let clock: number;
  /** Each reading of the clock is 10 ms after the one before. */
  const runner = (options: { lockTimeoutMs?: number; lockTtlMs?: number } = {}) =>
    new MigrationRunner(db, { now: () => (clock += 10), ...options });

  beforeEach(async () => {
    clock = 1_000_000;
    db = await openDatabase(await freshDatabase(kind));
  });
  afterEach(async () => {
    await db.close();
  });

  const tables = () => tableNamesLike(db, kind, 'notes__%');

  it('applies in order, reports each step with the time the clock measured, and records who did it', async () => {
    const dir = three();
    const report = await runner().apply(PLUGIN, dir, { actor: 'ann' });
    expect(report).to.deep.equal({
      plugin: PLUGIN,
      dryRun: false,
      // Per step the clock is read at the start, for the history row (its duration and time), for
      // the audit row and for the report: 10, 20, 30, 40 ms later.
      steps: [
        { version: 1, name: '001_a.sql', durationMs: 40 },
        { version: 2, name: '002_b.sql', durationMs: 40 },
        { version: 3, name: '003_c.sql', durationMs: 40 },
      ],
      currentVersion: 3,
      warnings: [],
    });
    expect(await tables()).to.deep.equal(['notes__a', 'notes__b', 'notes__c']);
    const status = await runner().status(PLUGIN, dir);
    expect(status.applied.map((a) => [a.version, a.actor, a.durationMs])).to.deep.equal([
      [1, 'ann', 10],
      [2, 'ann', 10],
      [3, 'ann', 10],
    ]);
    const audit = (await db
      .knex('rosey_audit')
      .select('actor', 'action', 'target', 'detail')
      .orderBy('id')) as Array<Record<string, string>>;
    expect(audit.filter((a) => a.action === 'migration.apply')).to.deep.equal([
      {
        actor: 'ann',
        action: 'migration.apply',
        target: PLUGIN,
        detail: '{"version":1,"name":"001_a.sql","durationMs":10}',
      },
      {
        actor: 'ann',
        action: 'migration.apply',
        target: PLUGIN,
        detail: '{"version":2,"name":"002_b.sql","durationMs":10}',
      },
      {
        actor: 'ann',
        action: 'migration.apply',
        target: PLUGIN,
        detail: '{"version":3,"name":"003_c.sql","durationMs":10}',
      },
    ]);
  });

  it('records a run without an actor as unknown', async () => {
    const dir = three();
    await runner().apply(PLUGIN, dir, { toVersion: 1 });
    expect((await runner().status(PLUGIN, dir)).applied[0]?.actor).to.equal('unknown');
  });

  it('status: versions, applied and pending, and the newest history first', async () => {
    const dir = three();
    await runner().apply(PLUGIN, dir, { toVersion: 2, actor: 'ann' });
    await runner().rollback(PLUGIN, dir, { actor: 'bob' });
    const status = await runner().status(PLUGIN, dir);
    expect(status).to.deep.include({
      plugin: PLUGIN,
      currentVersion: 1,
      availableVersion: 3,
      pending: [
        { version: 2, name: '002_b.sql' },
        { version: 3, name: '003_c.sql' },
      ],
      problems: [],
    });
    expect(status.applied.map((a) => a.version)).to.deep.equal([1]);
    expect(status.applied[0]?.checksum).to.match(/^[0-9a-f]{64}$/);
    expect(status.history.map((h) => [h.version, h.action, h.status, h.actor, h.error])).to.deep.equal([
      [2, 'rollback', 'rolled_back', 'bob', null],
      [2, 'apply', 'applied', 'ann', null],
      [1, 'apply', 'applied', 'ann', null],
    ]);
    expect(status.history[0]!.at).to.be.greaterThan(status.history[1]!.at);
  });

  it('status shows the 20 latest attempts only', async () => {
    const dir = folder({ '001_a.sql': migration('notes__a') });
    for (let i = 0; i < 11; i++) {
      await runner().apply(PLUGIN, dir);
      await runner().rollback(PLUGIN, dir);
    }
    const { history } = await runner().status(PLUGIN, dir);
    expect(history).to.have.length(20);
    expect(history[0]).to.include({ action: 'rollback' });
  });

  it('status of a plugin with no migrations and nothing applied is version 0 of 0', async () => {
    const status = await runner().status(PLUGIN, folder({}));
    expect(status).to.deep.include({
      currentVersion: 0,
      availableVersion: 0,
      applied: [],
      pending: [],
      problems: [],
    });
  });

  describe('checksums', () => {
    it('status names an applied file edited afterwards, and one that disappeared, without refusing', async () => {
      const dir = three();
      await runner().apply(PLUGIN, dir, { toVersion: 2 });
      writeFileSync(join(dir, '001_a.sql'), migration('notes__a') + '-- edited\n');
      rmSync(join(dir, '002_b.sql'));
      const { problems, currentVersion } = await runner().status(PLUGIN, dir);
      expect(currentVersion).to.equal(2);
      expect(problems).to.have.length(2);
      expect(problems[0]).to.match(
        /^001_a\.sql was changed after it was applied \(checksum [0-9a-f]{12}… ≠ [0-9a-f]{12}…\)$/,
      );
      expect(problems[1]).to.equal("applied migration 002_b.sql is missing from the plugin's migrations");
    });

    it('apply and rollback refuse with the first problem and how many more there are', async () => {
      const dir = three();
      await runner().apply(PLUGIN, dir, { toVersion: 2 });
      writeFileSync(join(dir, '001_a.sql'), migration('notes__a') + '-- edited\n');
      writeFileSync(join(dir, '002_b.sql'), migration('notes__b') + '-- edited\n');
      const apply = await refusal(runner().apply(PLUGIN, dir));
      expect(apply.code).to.equal('CHECKSUM_MISMATCH');
      expect(apply.message).to.match(/^001_a\.sql was changed after it was applied \(.*\) \(and 1 more\)$/);
      const rollback = await refusal(runner().rollback(PLUGIN, dir));
      expect(rollback.code).to.equal('CHECKSUM_MISMATCH');
      expect(await tables()).to.deep.equal(['notes__a', 'notes__b']);
    });

    it('a single problem is named alone', async () => {
      const dir = three();
      await runner().apply(PLUGIN, dir, { toVersion: 1 });
      writeFileSync(join(dir, '001_a.sql'), migration('notes__a') + '-- edited\n');
      const { message } = await refusal(runner().apply(PLUGIN, dir));
      expect(message).not.to.match(/more\)$/);
    });

    it('a migration rolled back and edited may be applied again', async () => {
      const dir = three();
      await runner().apply(PLUGIN, dir, { toVersion: 1 });
      await runner().rollback(PLUGIN, dir);
      writeFileSync(join(dir, '001_a.sql'), migration('notes__a') + '-- edited\n');
      expect((await runner().apply(PLUGIN, dir)).currentVersion).to.equal(3);
      expect((await runner().status(PLUGIN, dir)).problems).to.deep.equal([]);
    });
  });

  describe('versions', () => {
    it('apply up to a version applies that one and those below it only', async () => {
      const dir = three();
      const report = await runner().apply(PLUGIN, dir, { toVersion: 2 });
      expect(report.steps.map((s) => s.version)).to.deep.equal([1, 2]);
      expect(report.currentVersion).to.equal(2);
    });

    it('apply to a version past the latest is NOT_FOUND and names the latest', async () => {
      const refused = await refusal(runner().apply(PLUGIN, three(), { toVersion: 4 }));
      expect(refused).to.deep.equal({
        code: 'NOT_FOUND',
        message: 'there is no migration 4 (the latest is 3)',
      });
      expect(await tables()).to.deep.equal([]);
    });

    it('apply to the current version has nothing to do; to one below it says to roll back', async () => {
      const dir = three();
      await runner().apply(PLUGIN, dir, { toVersion: 2 });
      expect((await runner().apply(PLUGIN, dir, { toVersion: 2 })).steps).to.deep.equal([]);
      expect(await refusal(runner().apply(PLUGIN, dir, { toVersion: 1 }))).to.deep.equal({
        code: 'NOT_FOUND',
        message: 'it is at version 2: nothing up to 1 to apply (to go down, roll back to 1)',
      });
    });

    it('rollback takes back one migration by default, newest first, or as many as asked', async () => {
      const dir = three();
      await runner().apply(PLUGIN, dir);
      const one = await runner().rollback(PLUGIN, dir);
      expect(one.steps.map((s) => s.version)).to.deep.equal([3]);
      expect(one.currentVersion).to.equal(2);
      const two = await runner().rollback(PLUGIN, dir, { count: 2 });
      expect(two.steps.map((s) => s.version)).to.deep.equal([2, 1]);
      expect(two.currentVersion).to.equal(0);
      expect(await tables()).to.deep.equal([]);
    });

    it('rollback to a version takes back everything above it, and not it', async () => {
      const dir = three();
      await runner().apply(PLUGIN, dir);
      const report = await runner().rollback(PLUGIN, dir, { toVersion: 1 });
      expect(report.steps.map((s) => s.version)).to.deep.equal([3, 2]);
      expect(await tables()).to.deep.equal(['notes__a']);
      expect((await runner().rollback(PLUGIN, dir, { toVersion: 1 })).steps).to.deep.equal([]);
    });

    it('rollback to a version above the current one is NOT_FOUND', async () => {
      const dir = three();
      await runner().apply(PLUGIN, dir, { toVersion: 1 });
      expect(await refusal(runner().rollback(PLUGIN, dir, { toVersion: 2 }))).to.deep.equal({
        code: 'NOT_FOUND',
        message: 'it is at version 1: nothing above 2 to roll back',
      });
    });

    it('refuses to roll back a migration with an empty DOWN, naming it, and rolls back nothing', async () => {
      const dir = folder({
        '001_a.sql': migration('notes__a'),
        '002_forever.sql': '-- UP\nCREATE TABLE notes__f (x INTEGER);\n-- DOWN\n-- (cannot be undone)\n',
      });
      await runner().apply(PLUGIN, dir);
      expect(await refusal(runner().rollback(PLUGIN, dir, { count: 2 }))).to.deep.equal({
        code: 'IRREVERSIBLE',
        message: '002_forever.sql has an empty DOWN section: it cannot be rolled back',
      });
      expect(await tables()).to.deep.equal(['notes__a', 'notes__f']);
    });

    it('a dry run reports the steps it would take and changes nothing', async () => {
      const dir = three();
      await runner().apply(PLUGIN, dir, { toVersion: 1 });
      const report = await runner().apply(PLUGIN, dir, { dryRun: true });
      expect(report).to.deep.equal({
        plugin: PLUGIN,
        dryRun: true,
        steps: [
          { version: 2, name: '002_b.sql', durationMs: 0 },
          { version: 3, name: '003_c.sql', durationMs: 0 },
        ],
        currentVersion: 1,
        warnings: [],
      });
      expect(await tables()).to.deep.equal(['notes__a']);
      const rollback = await runner().rollback(PLUGIN, dir, { dryRun: true });
      expect(rollback.steps.map((s) => s.version)).to.deep.equal([1]);
      expect(await tables()).to.deep.equal(['notes__a']);
      expect((await runner().status(PLUGIN, dir)).history).to.have.length(1);
    });

    it('a dry run names the statement the database refuses', async () => {
      const dir = folder({
        '001_a.sql': migration('notes__a'),
        '002_bad.sql':
          '-- UP\nCREATE TABLE notes__b (x INTEGER);\nINSERT INTO notes__b (nope) VALUES (1);\n-- DOWN\nDROP TABLE notes__b;\n',
      });
      const refused = await refusal(runner().apply(PLUGIN, dir, { dryRun: true }));
      expect(refused.code).to.equal('MIGRATION_FAILED');
      expect(refused.message).to.match(/^002_bad\.sql statement 2: /);
      expect(await tables()).to.deep.equal([]);
    });
  });

  describe('failures', () => {
    const failingSecond = () =>
      folder({
        '001_a.sql': migration('notes__a'),
        '002_bad.sql':
          '-- UP\nCREATE TABLE notes__b (x INTEGER);\nINSERT INTO notes__b (nope) VALUES (1);\n-- DOWN\nDROP TABLE notes__b;\n',
        '003_c.sql': migration('notes__c'),
      });

    it('keeps the migrations before a failing one, says which, and keeps nothing of the failing one', async () => {
      const dir = failingSecond();
      const refused = await refusal(runner().apply(PLUGIN, dir, { actor: 'ann' }));
      expect(refused.code).to.equal('MIGRATION_FAILED');
      expect(refused.message).to.match(
        /^002_bad\.sql failed \(apply\): statement 2: .*; nothing of it was kept \(applied before it, and kept: 001_a\.sql\)$/,
      );
      expect(await tables()).to.deep.equal(['notes__a']);
      const status = await runner().status(PLUGIN, dir);
      expect(status.currentVersion).to.equal(1);
      expect(status.history[0]).to.deep.include({
        version: 2,
        action: 'apply',
        status: 'failed',
        actor: 'ann',
      });
      expect(status.history[0]!.error).to.match(/^statement 2: /);
    });

    it('a failing first migration says nothing of others', async () => {
      const dir = failingSecond();
      await runner().apply(PLUGIN, dir, { toVersion: 1 });
      const { message } = await refusal(runner().apply(PLUGIN, dir));
      expect(message).to.match(/nothing of it was kept$/);
    });

    it('refuses SQL outside the plugin namespace before running anything', async () => {
      const dir = folder({
        '001_a.sql': migration('notes__a'),
        '002_steal.sql':
          '-- UP\nCREATE TABLE other__x (x INTEGER);\nCREATE TABLE quotes__y (x INTEGER);\n-- DOWN\nDROP TABLE other__x;\n',
      });
      const refused = await refusal(runner().apply(PLUGIN, dir));
      expect(refused.code).to.equal('VALIDATION_FAILED');
      expect(refused.message).to.match(/^002_steal\.sql \(UP\): .*other__x.* \(and 1 more\)$/);
      expect(await tables()).to.deep.equal([]);
    });

    it('refuses a folder with a malformed migration file as VALIDATION_FAILED', async () => {
      const refused = await refusal(
        runner().apply(PLUGIN, folder({ '001_a.sql': 'CREATE TABLE notes__a (x INTEGER);\n' })),
      );
      expect(refused.code).to.equal('VALIDATION_FAILED');
      expect(refused.message).to.match(/001_a\.sql/);
    });
  });

  describe('lock', () => {
    const holdLock = (expiresIn: number) =>
      db
        .knex('rosey_migration_locks')
        .insert({ plugin: PLUGIN, holder: 'another:run', acquired_at: clock, expires_at: clock + expiresIn });

    it('gives up with LOCK_TIMEOUT while another run holds the lock, and leaves that lock alone', async () => {
      await holdLock(60 * 60_000);
      const refused = await refusal(runner({ lockTimeoutMs: 100 }).apply(PLUGIN, three()));
      expect(refused).to.deep.equal({
        code: 'LOCK_TIMEOUT',
        message: 'another migration run holds the lock of plugin notes; try again when it is done',
      });
      expect(await tables()).to.deep.equal([]);
      expect(await db.knex('rosey_migration_locks').select('holder')).to.deep.equal([
        { holder: 'another:run' },
      ]);
    });

    it('takes over a lock whose holder is past its expiry', async () => {
      await holdLock(5);
      const report = await runner({ lockTimeoutMs: 100 }).apply(PLUGIN, three());
      expect(report.currentVersion).to.equal(3);
    });

    it('waits for a holder that lets go within the lock timeout', async () => {
      await holdLock(60 * 60_000);
      // The other run lets go once this one has found the lock taken (its third clock reading is
      // the deadline check after a failed attempt).
      let reads = 0;
      const run = new MigrationRunner(db, {
        now: () => {
          if (++reads === 3)
            void db.knex('rosey_migration_locks').where({ holder: 'another:run' }).delete().then();
          return (clock += 1);
        },
        lockTimeoutMs: 60_000,
      }).apply(PLUGIN, three());
      expect((await run).currentVersion).to.equal(3);
      expect(reads).to.be.greaterThan(3);
    });

    it('holds the lock while it runs, with the lock TTL as expiry, and lets go after', async () => {
      type LockRow = {
        plugin: string;
        holder: string;
        acquired_at: number | string;
        expires_at: number | string;
      };
      const seen: Array<Promise<LockRow[]>> = [];
      // Each time the run reads the clock, the test looks at the lock table.
      const runner = new MigrationRunner(db, {
        now: () => {
          seen.push(
            db
              .knex('rosey_migration_locks')
              .select('plugin', 'holder', 'acquired_at', 'expires_at')
              .then((rows) => rows as LockRow[]),
          );
          return (clock += 10);
        },
        lockTtlMs: 5000,
      });
      await runner.apply(PLUGIN, folder({ '001_a.sql': migration('notes__a') }));
      const held = (await Promise.all(seen)).filter((rows) => rows.length > 0);
      expect(held.length).to.be.greaterThan(0);
      for (const [row] of held) {
        expect(row!.plugin).to.equal(PLUGIN);
        expect(row!.holder).to.match(new RegExp(`^${process.pid}:[0-9a-f-]{36}$`));
        expect(Number(row!.expires_at) - Number(row!.acquired_at)).to.equal(5000);
      }
      expect(await db.knex('rosey_migration_locks')).to.deep.equal([]);
    });

    it('lets go of the lock when the run fails', async () => {
      const dir = folder({
        '001_bad.sql':
          '-- UP\nCREATE TABLE notes__b (x INTEGER);\nINSERT INTO notes__b (nope) VALUES (1);\n-- DOWN\nDROP TABLE notes__b;\n',
      });
      await refusal(runner().apply(PLUGIN, dir));
      expect(await db.knex('rosey_migration_locks')).to.deep.equal([]);
    });

    it("one plugin's lock does not hold up another plugin's run", async () => {
      await db
        .knex('rosey_migration_locks')
        .insert({ plugin: 'quotes', holder: 'another:run', acquired_at: clock, expires_at: clock + 60_000 });
      expect((await runner({ lockTimeoutMs: 100 }).apply(PLUGIN, three())).currentVersion).to.equal(3);
    });
  });
});
