import { expect } from 'chai';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { resolveDatabase } from '../../actors/database/target.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';

describe('database target', () => {
  it('defaults to a SQLite file in the data directory', () => {
    expect(resolveDatabase(undefined, '/srv/rosey/data')).to.deep.equal({
      kind: 'sqlite',
      file: '/srv/rosey/data/rosey.db',
    });
  });

  it('takes PostgreSQL and SQLite URLs', () => {
    expect(resolveDatabase('postgres://u:p@db/rosey', '/d')).to.deep.equal({
      kind: 'postgresql',
      url: 'postgres://u:p@db/rosey',
    });
    expect(resolveDatabase('postgresql://db/rosey', '/d').kind).to.equal('postgresql');
    expect(resolveDatabase('sqlite:bot.db', '/d')).to.deep.equal({ kind: 'sqlite', file: '/d/bot.db' });
    expect(resolveDatabase('sqlite:///var/lib/bot.db', '/d')).to.deep.equal({
      kind: 'sqlite',
      file: '/var/lib/bot.db',
    });
  });

  it('refuses anything else without printing the password', () => {
    expect(() => resolveDatabase('mysql://root:hunter2@db/x', '/d')).to.throw(
      /unsupported URL .*mysql:\/\/root:\*\*\*@db\/x/,
    );
    expect(() => resolveDatabase('mysql://root:hunter2@db/x', '/d')).to.not.throw(/hunter2/);
  });
});

forEachDatabase('database: open and core schema', (kind) => {
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('applies the core migrations, and the entities match the migrated schema exactly', async () => {
    db = await openDatabase(await freshDatabase(kind));
    const executed = await db.orm.getMigrator().getExecutedMigrations();
    expect(executed.map((m) => m.name)).to.deep.equal(['20261122-core-tables']);
    const diff = await (
      db.orm as unknown as { schema: { getUpdateSchemaSQL(o: object): Promise<string> } }
    ).schema.getUpdateSchemaSQL({
      wrap: false,
    });
    expect(diff.trim(), diff).to.equal('');
  });

  it('opens an existing database again without redoing anything', async () => {
    const target = await freshDatabase(kind);
    db = await openDatabase(target);
    await db.knex('rosey_kv').insert({ namespace: 'x', key: 'k', value: '1', updated_at: 1 });
    await db.close();
    db = await openDatabase(target);
    expect(await db.knex('rosey_kv').count({ n: '*' }))
      .to.have.nested.property('[0].n')
      .that.satisfies((n: unknown) => Number(n) === 1);
  });

  if (kind === 'sqlite') {
    it('runs SQLite in WAL mode with a busy timeout and case-sensitive LIKE', async () => {
      db = await openDatabase(await freshDatabase(kind));
      expect(await db.knex.raw('PRAGMA journal_mode')).to.deep.equal([{ journal_mode: 'wal' }]);
      expect(await db.knex.raw('PRAGMA busy_timeout')).to.deep.equal([{ timeout: 5000 }]);
      expect(await db.knex.raw(`SELECT 'ABC' LIKE 'abc' AS same`)).to.deep.equal([{ same: 0 }]);
      expect(db.sqliteVersion).to.match(/^3\.\d+\.\d+$/);
    });
  }

  it('fails with one line when the database cannot be reached', async () => {
    const target =
      kind === 'sqlite'
        ? { kind: 'sqlite' as const, file: '/etc/hostname/not-a-dir/rosey.db' }
        : { kind: 'postgresql' as const, url: 'postgresql://postgres:secret@127.0.0.1:1/nope' };
    const error = await openDatabase(target).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/^cannot (open|prepare) (SQLite|PostgreSQL) /);
    expect(error?.message).to.not.include('\n');
    expect(error?.message).to.not.include('secret');
  });
});
