import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Knex, SqlEntityManager } from '@mikro-orm/knex';
import { Migrator } from '@mikro-orm/migrations';
import { CORE_MIGRATIONS } from './core-migrations/index.js';
import { withCoreMigrationLock } from './core-migrations/lock.js';
import { CORE_ENTITIES } from './entities.js';
import { describeTarget, type DatabaseTarget } from './target.js';

export type Dialect = 'sqlite' | 'postgresql';

/** An open database: the ORM for core entities and the knex instance for plugin tables. */
export interface Database {
  orm: { em: SqlEntityManager; getMigrator(): Migrator; close(force?: boolean): Promise<void> };
  knex: Knex;
  dialect: Dialect;
  target: DatabaseTarget;
  /** SQLite's library version (e.g. `3.44.2`), for the migration validator. */
  sqliteVersion?: string;
  close(): Promise<void>;
}

/** How long a SQLite writer waits for another writer before giving up (ms). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

const migrations = {
  tableName: 'rosey_core_migrations',
  migrationsList: CORE_MIGRATIONS,
  transactional: true,
  allOrNothing: true,
  silent: true,
  snapshot: false,
};

/**
 * On SQLite the core migrations run inside the `BEGIN IMMEDIATE` transaction that is their
 * cross-process lock (core-migrations/lock.ts): the migrator must not begin one of its own.
 */
const sqliteMigrations = { ...migrations, transactional: false, allOrNothing: false };

/**
 * Opens the database and brings Rosey's core schema up to date (core migrations are applied at
 * every open, under a cross-process lock; they are idempotent once recorded). SQLite runs in WAL
 * mode with a busy timeout and case-sensitive LIKE (so `$like` means the same on both databases).
 */
export async function openDatabase(
  target: DatabaseTarget,
  options: { applyCoreMigrations?: boolean } = {},
): Promise<Database> {
  let orm: Database['orm'];
  let sqliteVersion: string | undefined;
  try {
    // Only the driver in use is loaded: each database thread is an isolate of its own, and the
    // other driver would cost it about 9 MB and a slower start (issue 16).
    if (target.kind === 'sqlite') {
      mkdirSync(dirname(target.file), { recursive: true });
      const { MikroORM: SqliteORM } = await import('@mikro-orm/better-sqlite');
      orm = await SqliteORM.init({
        dbName: target.file,
        entities: CORE_ENTITIES,
        extensions: [Migrator],
        migrations: sqliteMigrations,
        allowGlobalContext: true,
        debug: false,
        // One connection (knex's default for SQLite, relied on): the PRAGMAs below and the core
        // migrations' transaction hold for every query.
        pool: { min: 1, max: 1 },
      });
    } else {
      const { MikroORM: PostgresORM } = await import('@mikro-orm/postgresql');
      orm = await PostgresORM.init({
        clientUrl: target.url,
        entities: CORE_ENTITIES,
        extensions: [Migrator],
        migrations,
        allowGlobalContext: true,
        debug: false,
        pool: { min: 0, max: 10 },
      });
    }
  } catch (error) {
    throw new Error(`cannot open ${describeTarget(target)}: ${(error as Error).message.split('\n')[0]}`);
  }
  const knex = orm.em.getKnex();
  try {
    if (target.kind === 'sqlite') {
      // The busy timeout first: switching to WAL takes a lock, and a second process opening the
      // same new file at that moment was refused "database is locked" at once (1 round in 20 of
      // test/database/concurrent-open.test.ts under load).
      await knex.raw(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      await switchToWal(knex);
      await knex.raw('PRAGMA foreign_keys = ON');
      await knex.raw('PRAGMA case_sensitive_like = ON');
      const [row] = (await knex.raw('SELECT sqlite_version() AS v')) as Array<{ v: string }>;
      sqliteVersion = row?.v;
    } else {
      await knex.raw('SELECT 1');
    }
    if (options.applyCoreMigrations !== false) {
      const migrator = orm.getMigrator();
      await withCoreMigrationLock(knex, target.kind, () => migrator.up(), {
        sqliteBusyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS,
      });
    }
  } catch (error) {
    await orm.close(true);
    throw new Error(`cannot prepare ${describeTarget(target)}: ${(error as Error).message.split('\n')[0]}`);
  }
  return {
    orm,
    knex,
    dialect: target.kind,
    target,
    sqliteVersion,
    close: () => orm.close(true),
  };
}

/**
 * `PRAGMA journal_mode = WAL`, tried again while another process holds the lock. Two processes
 * switching a new file at once both hold a shared lock and want an exclusive one: SQLite refuses
 * one of them "database is locked" at once, without its busy handler (waiting could deadlock), so
 * the busy timeout alone did not cover it (1 round in 20 of concurrent-open.test.ts, still).
 */
async function switchToWal(knex: Knex): Promise<void> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.raw('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if (!/database is locked|SQLITE_BUSY/i.test(String((error as Error).message)) || Date.now() > deadline)
        throw error;
      // Short and spread out: the other process's switch takes a few milliseconds.
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, 5 * attempt) + Math.random() * 10));
    }
  }
}
