import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import createKnex, { executeQuery, KnexPgClient, type Knex } from './knex.js';
import { applyCoreMigrations } from './core-migrations/core-migrator.js';
import { withCoreMigrationLock } from './core-migrations/lock.js';
import { describeTarget, type DatabaseTarget } from './target.js';

export type Dialect = 'sqlite' | 'postgresql';

/** An open database: the knex instance every query goes through. */
export interface Database {
  knex: Knex;
  dialect: Dialect;
  target: DatabaseTarget;
  /** SQLite's library version (e.g. `3.44.2`), for the migration validator. */
  sqliteVersion?: string;
  close(): Promise<void>;
}

/** How long a SQLite writer waits for another writer before giving up (ms). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * PostgreSQL types pg would turn into Date objects: kept as the server's text, as Rosey has always
 * answered them (MikroORM's PostgreSQL connection did the same). Arrays of them: arrays of text.
 */
const PG_TEXT_TYPES = [1082, 1114, 1184, 1186]; // date, timestamp, timestamptz, interval
const PG_TEXT_ARRAY_TYPES = [1182, 1115, 1185, 1187]; // their arrays
const PG_TEXT_ARRAY = 1009; // text[]

interface PgTypes {
  getTypeParser(oid: number, format?: string): (text: string) => unknown;
}

/** knex's PostgreSQL client: the pg module it loaded, and the settings each new connection gets. */
interface PgClientSettings {
  driver: { types: PgTypes };
  connectionSettings: Record<string, unknown>;
}

/**
 * knex's PostgreSQL client, except that a statement without bindings runs as written: knex turns
 * every `?` into a placeholder (`$1`…), inside string literals too, so a plugin migration's
 * `rtrim(word, '.,!?;:')` trimmed `$1` instead (quote-db's 003). MikroORM patched knex the same
 * way, so this is how Rosey ran plugin SQL before issue 16. A class, not a patch of one client:
 * a transaction's client is made from the class's prototype.
 */
class PgClient extends KnexPgClient {
  override query(connection: unknown, param: string | { sql: string; bindings?: unknown[] }) {
    const object = typeof param === 'string' ? { sql: param } : param;
    if ((object.bindings ?? []).length > 0) return super.query(connection, object);
    this.emit('query', object);
    return executeQuery(connection, object, this);
  }
}

function keepDatesAsText(knex: Knex): void {
  const client = knex.client as PgClientSettings;
  const defaults = client.driver.types;
  const textArray = defaults.getTypeParser(PG_TEXT_ARRAY);
  const types: PgTypes = {
    getTypeParser: (oid, format) => {
      if (PG_TEXT_TYPES.includes(oid)) return (text) => text;
      if (PG_TEXT_ARRAY_TYPES.includes(oid)) return textArray;
      return defaults.getTypeParser(oid, format);
    },
  };
  client.connectionSettings = { ...client.connectionSettings, types };
}

/**
 * Opens the database and brings Rosey's core schema up to date (core migrations are applied at
 * every open, under a cross-process lock; they are idempotent once recorded). SQLite runs in WAL
 * mode with a busy timeout and case-sensitive LIKE (so `$like` means the same on both databases).
 *
 * knex alone, with only the driver in use: each database thread is an isolate of its own, and
 * MikroORM (which Rosey used only for knex and the core migrations) cost each about 20 MB and most
 * of a second of CPU to load (issue 16).
 */
export async function openDatabase(
  target: DatabaseTarget,
  options: { applyCoreMigrations?: boolean } = {},
): Promise<Database> {
  let knex: Knex;
  let sqliteVersion: string | undefined;
  try {
    if (target.kind === 'sqlite') {
      mkdirSync(dirname(target.file), { recursive: true });
      knex = createKnex({
        client: 'better-sqlite3',
        connection: { filename: target.file },
        useNullAsDefault: true,
        // One connection (knex's default for SQLite, relied on): the PRAGMAs below and the core
        // migrations' transaction hold for every query.
        pool: { min: 1, max: 1 },
      });
    } else {
      knex = createKnex({
        client: PgClient as unknown as typeof Knex.Client,
        connection: { connectionString: target.url },
        pool: { min: 0, max: 10 },
      });
      keepDatesAsText(knex);
    }
  } catch (error) {
    throw new Error(`cannot open ${describeTarget(target)}: ${(error as Error).message.split('\n')[0]}`);
  }
  const failed = async (stage: 'open' | 'prepare', error: unknown) => {
    await knex.destroy().catch(() => undefined);
    return new Error(`cannot ${stage} ${describeTarget(target)}: ${(error as Error).message.split('\n')[0]}`);
  };
  // knex connects on the first query: where a database that cannot be reached fails.
  try {
    // On SQLite the busy timeout first: switching to WAL takes a lock, and a second process opening
    // the same new file at that moment was refused "database is locked" at once (1 round in 20 of
    // test/database/concurrent-open.test.ts under load).
    await knex.raw(target.kind === 'sqlite' ? `PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}` : 'SELECT 1');
  } catch (error) {
    throw await failed('open', error);
  }
  try {
    if (target.kind === 'sqlite') {
      await switchToWal(knex);
      await knex.raw('PRAGMA foreign_keys = ON');
      await knex.raw('PRAGMA case_sensitive_like = ON');
      const [row] = (await knex.raw('SELECT sqlite_version() AS v')) as Array<{ v: string }>;
      sqliteVersion = row?.v;
    }
    if (options.applyCoreMigrations !== false) {
      await withCoreMigrationLock(knex, target.kind, () => applyCoreMigrations(knex, target.kind), {
        sqliteBusyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS,
      });
    }
  } catch (error) {
    throw await failed('prepare', error);
  }
  return {
    knex,
    dialect: target.kind,
    target,
    sqliteVersion,
    close: () => knex.destroy(),
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
