import { expect } from 'chai';
import { MikroORM as SqliteOrm } from '@mikro-orm/better-sqlite';
import { Migration } from '@mikro-orm/migrations';
import { MikroORM as PostgresOrm } from '@mikro-orm/postgresql';
import { CORE_MIGRATIONS } from '../../actors/database/core-migrations/index.js';
import {
  CORE_MIGRATIONS_TABLE,
  executedCoreMigrations,
} from '../../actors/database/core-migrations/core-migrator.js';
import { CORE_ENTITIES } from './legacy-core-entities.js';
import { openDatabase, type Database } from '../../actors/database/open.js';
import type { DatabaseTarget } from '../../actors/database/target.js';
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

/**
 * MikroORM on a database, with Rosey's core entities and, with `withMigrations`, Rosey's core
 * migrations as MikroORM migration classes (their statements unchanged): how Rosey opened its
 * database before issue 16.
 */
async function entityOrm(target: DatabaseTarget, withMigrations = false) {
  const migrationsList = CORE_MIGRATIONS.map((core) => ({
    name: core.name,
    class: class extends Migration {
      override async up(): Promise<void> {
        for (const builder of core.up(this.getKnex())) {
          const compiled = builder.toSQL();
          for (const { sql } of Array.isArray(compiled) ? compiled : [compiled]) this.addSql(sql);
        }
      }
    },
  }));
  const common = {
    entities: CORE_ENTITIES,
    extensions: withMigrations ? [(await import('@mikro-orm/migrations')).Migrator] : [],
    migrations: { tableName: CORE_MIGRATIONS_TABLE, migrationsList, silent: true, snapshot: false },
    allowGlobalContext: true,
    debug: false,
  };
  return target.kind === 'sqlite'
    ? SqliteOrm.init({
        ...common,
        dbName: target.file,
        migrations: { ...common.migrations, transactional: false },
      })
    : PostgresOrm.init({ ...common, clientUrl: target.url });
}

forEachDatabase('database: open and core schema', (kind) => {
  let db: Database | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('applies the core migrations, and the entities match the migrated schema exactly', async () => {
    db = await openDatabase(await freshDatabase(kind));
    expect(await executedCoreMigrations(db.knex)).to.deep.equal(['20261122-core-tables']);
    // MikroORM reads the schema the entities describe (it no longer runs in Rosey: issue 16).
    const orm = await entityOrm(db.target);
    try {
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim(), diff).to.equal('');
    } finally {
      await orm.close(true);
    }
  });

  // Issue 16: Rosey applied its core migrations with MikroORM's migrator until it dropped MikroORM;
  // a database made then must open as applied, not be migrated again (the tables exist).
  it('opens a database whose core migrations MikroORM applied, and records nothing twice', async () => {
    const target = await freshDatabase(kind);
    const orm = await entityOrm(target, true);
    try {
      await orm.getMigrator().up();
    } finally {
      await orm.close(true);
    }
    db = await openDatabase(target);
    expect(await executedCoreMigrations(db.knex)).to.deep.equal(['20261122-core-tables']);
    await db.knex('rosey_kv').insert({ namespace: 'x', key: 'k', value: '1', updated_at: 1 });
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
