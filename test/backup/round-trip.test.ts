import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createBackup } from '../../app/backup/create-backup.js';
import { pluginRoots } from '../../app/start-rosey.js';
import { applyRestore, planRestore } from '../../app/backup/restore-backup.js';
import { forEachDatabase } from '../support/databases.js';
import { runCli } from '../support/cli.js';
import { archivedRows, hashTree, roseyData, seed, withDatabase, type RoseyData } from './support.js';

async function restore(data: RoseyData, file: string) {
  const plan = await planRestore(data.loaded, file);
  try {
    return await applyRestore(data.loaded, plan);
  } finally {
    await plan.discard();
  }
}

forEachDatabase('rosey db backup and restore', (kind) => {
  it('a restore followed by a backup yields the same data, row by row', async () => {
    const data = await roseyData(kind);
    await seed(data);
    const first = await createBackup(data.loaded, {
      pluginRoots: pluginRoots(data.loaded),
      file: join(data.cwd, 'first.tar.gz'),
    });
    const before = await archivedRows(first.file);
    expect(before.get('quote_db__quotes')).to.have.length(10);
    expect(before.get('rosey_kv')).to.have.length(300);

    // What happens after the backup, which the restore must undo.
    await withDatabase(data, async (db) => {
      await db.knex('quote_db__quotes').where('id', '<', 5).delete();
      await db.knex('rosey_kv').insert({ namespace: 'dice', key: 'later', value: '1', updated_at: 1 });
      await db.knex('quote_db__votes').delete();
    });

    const result = await restore(data, first.file);
    expect(result.keptDatabase).to.be.a('string');
    const second = await createBackup(data.loaded, {
      pluginRoots: pluginRoots(data.loaded),
      file: join(data.cwd, 'second.tar.gz'),
    });
    const after = await archivedRows(second.file);
    expect([...after.keys()]).to.deep.equal([...before.keys()]);
    for (const [table, rows] of before) expect(after.get(table), table).to.deep.equal(rows);
    expect(second.manifest.tables).to.deep.equal(first.manifest.tables);

    // The restored database goes on working: a new row gets a fresh id (PostgreSQL's sequences were
    // left at 1 without resetSequences, and this insert collided with the restored id 1).
    await withDatabase(data, async (db) => {
      await db.knex('quote_db__quotes').insert({ text: 'new', added_by: 'kim', timestamp: 1 });
      const ids = (await db.knex('quote_db__quotes').select('id').orderBy('id')) as Array<{ id: number }>;
      expect(ids.at(-1)!.id).to.equal(11);
    });
  });

  it('keeps the replaced database', async () => {
    const data = await roseyData(kind);
    await seed(data);
    const backup = await createBackup(data.loaded, {
      pluginRoots: pluginRoots(data.loaded),
      file: join(data.cwd, 'b.tar.gz'),
    });
    await withDatabase(data, (db) =>
      db.knex('rosey_kv').insert({ namespace: 'dice', key: 'after', value: 'v', updated_at: 2 }),
    );
    const { keptDatabase } = await restore(data, backup.file);
    if (kind === 'sqlite') {
      expect(keptDatabase).to.match(/rosey\.db\.before-restore-\d{8}T\d{6}Z$/);
      expect(existsSync(keptDatabase!)).to.equal(true);
    } else {
      const schema = /schema (\S+)$/.exec(keptDatabase!)![1]!;
      await withDatabase(data, async (db) => {
        const kept = (await db.knex.withSchema(schema).from('rosey_kv').where({ key: 'after' })) as unknown[];
        expect(kept).to.have.length(1);
        const quotes = (await db.knex
          .withSchema(schema)
          .from('quote_db__quotes')
          .count({ n: '*' })) as Array<{ n: string }>;
        expect(Number(quotes[0]!.n)).to.equal(10);
      });
    }
    await withDatabase(data, async (db) => {
      expect(await db.knex('rosey_kv').where({ key: 'after' })).to.have.length(0);
    });
  });

  it('--dry-run says what would change and changes nothing', async () => {
    const data = await roseyData(kind);
    await seed(data);
    const backup = await createBackup(data.loaded, {
      pluginRoots: pluginRoots(data.loaded),
      file: join(data.cwd, 'b.tar.gz'),
    });
    await withDatabase(data, (db) => db.knex('quote_db__quotes').where('id', '<', 4).delete());
    const reference = await createBackup(data.loaded, {
      pluginRoots: pluginRoots(data.loaded),
      file: join(data.cwd, 'ref.tar.gz'),
    });
    const disk = hashTree(data.dataDir);

    const { code, stdout, stderr } = await runCli(
      ['db', 'restore', backup.file, '--dry-run', '--data-dir', data.dataDir],
      { cwd: data.cwd, env: data.env },
    );
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/^Would restore the backup of .* into (SQLite|PostgreSQL) /);
    expect(stdout).to.match(/quote_db__quotes\s+7\s+10\n/);
    expect(stdout).to.match(/rosey_kv\s+300\s+300\n/);
    expect(stdout).to.include('plugin quote-db: 1.0.0 (unchanged)');
    expect(stdout).to.include('Nothing was changed (--dry-run).');

    expect(hashTree(data.dataDir)).to.equal(disk);
    const check = await createBackup(data.loaded, {
      pluginRoots: pluginRoots(data.loaded),
      file: join(data.cwd, 'check.tar.gz'),
    });
    expect(await archivedRows(check.file)).to.deep.equal(await archivedRows(reference.file));
  });
});
