import { expect } from 'chai';
import { join } from 'node:path';
import { createBackup } from '../../app/backup/create-backup.js';
import { pluginRoots } from '../../app/start-rosey.js';
import { runCli } from '../support/cli.js';
import { archivedRows, roseyData, seed, withDatabase } from './support.js';

/**
 * docs/guides/DATABASE_SETUP.md: moving a SQLite Rosey to PostgreSQL (and back) is a backup and a
 * restore. The archive holds rows, not a database file; the target's schema comes from the
 * migrations in the archive, in the target's dialect.
 */
describe('moving between SQLite and PostgreSQL with backup → restore', function () {
  this.timeout(120_000);
  for (const [from, to] of [
    ['sqlite', 'postgresql'],
    ['postgresql', 'sqlite'],
  ] as const) {
    it(`${from} → ${to}: the same rows, row by row`, async () => {
      const source = await roseyData(from);
      await seed(source);
      const archive = join(source.cwd, 'move.tar.gz');
      const backup = await runCli(['db', 'backup', archive, '--data-dir', source.dataDir], {
        cwd: source.cwd,
        env: source.env,
      });
      expect(backup.code, backup.stderr).to.equal(0);

      const target = await roseyData(to);
      const restore = await runCli(['db', 'restore', archive, '--data-dir', target.dataDir], {
        cwd: target.cwd,
        env: target.env,
      });
      expect(restore.code, restore.stderr).to.equal(0);
      expect(restore.stdout).to.include(
        `Restored ${archive} into ${to === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
      );

      const check = await createBackup(target.loaded, {
        pluginRoots: pluginRoots(target.loaded),
        file: join(target.cwd, 'check.tar.gz'),
      });
      expect(check.manifest.database.dialect).to.equal(to);
      const expected = await archivedRows(archive);
      const actual = await archivedRows(check.file);
      expect([...actual.keys()]).to.deep.equal([...expected.keys()]);
      for (const [table, rows] of expected) expect(actual.get(table), table).to.deep.equal(rows);

      // Migrated tables keep working in the new dialect: tags are JSON there, the history is read back.
      const status = await runCli(['db', 'status', '--plugin', 'quote-db', '--data-dir', target.dataDir], {
        cwd: target.cwd,
        env: target.env,
      });
      expect(status.code, status.stderr).to.equal(0);
      expect(status.stdout).to.match(/quote-db\s+version 3 of 3\s+up to date/);
      await withDatabase(target, async (db) => {
        const row = (await db.knex('quote_db__quotes').where({ author: 'Ünïcode' }).first()) as {
          tags: unknown;
        };
        expect(typeof row.tags === 'string' ? JSON.parse(row.tags) : row.tags).to.deep.equal(['tapes']);
      });
    });
  }
});
