import type { Knex } from 'knex';

/**
 * The PostgreSQL advisory lock every Rosey process holds while it applies the core migrations: the
 * bytes of `rosey_cm` read as a bigint. Permanent (two Rosey versions starting together must take
 * the same lock) and documented in docs/migrations.md, so an operator can spot it in `pg_locks`.
 */
export const CORE_MIGRATIONS_LOCK_KEY = '8245936322403853165';

/** How long an open waits for another process to finish the core migrations (ms). */
export const CORE_MIGRATIONS_LOCK_WAIT_MS = 60_000;

/** PostgreSQL's SQLSTATE for "canceling statement due to lock timeout". */
const LOCK_NOT_AVAILABLE = '55P03';

/** The part of knex's client (typed `any` by knex) that hands out one pooled connection. */
interface ConnectionPool {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

export interface CoreMigrationLockOptions {
  /** SQLite's usual busy timeout, restored once the lock is held (ms). */
  sqliteBusyTimeoutMs: number;
  /** Overrides CORE_MIGRATIONS_LOCK_WAIT_MS. */
  waitMs?: number;
}

const busy = (waitMs: number, what: string) =>
  new Error(
    `another process has been applying Rosey's core migrations for ${waitMs / 1000} s (${what}); try again when it is done`,
  );

/**
 * Runs `migrate` (the core migrator, reading what is applied and applying the rest) while no other
 * process can: without it two processes opening an empty database at once both see nothing applied
 * and both create the tables, and the second fails. PostgreSQL: a session-level advisory lock on a
 * connection of its own, so it is released even when the migration's transaction is aborted, and
 * by PostgreSQL itself when the process dies. SQLite: `migrate` runs inside one `BEGIN IMMEDIATE`
 * transaction, SQLite's own writer lock, which a dead process also leaves behind; `migrate` must
 * therefore not open a transaction of its own, and run on knex's single SQLite connection.
 */
export async function withCoreMigrationLock<T>(
  knex: Knex,
  dialect: 'sqlite' | 'postgresql',
  migrate: () => Promise<T>,
  options: CoreMigrationLockOptions,
): Promise<T> {
  const waitMs = options.waitMs ?? CORE_MIGRATIONS_LOCK_WAIT_MS;
  return dialect === 'postgresql'
    ? underAdvisoryLock(knex, waitMs, migrate)
    : inImmediateTransaction(knex, waitMs, options.sqliteBusyTimeoutMs, migrate);
}

async function underAdvisoryLock<T>(knex: Knex, waitMs: number, migrate: () => Promise<T>): Promise<T> {
  const pool = knex.client as ConnectionPool;
  const session = await pool.acquireConnection();
  const onSession = (sql: string, bindings: readonly Knex.RawBinding[] = []) =>
    knex.raw(sql, bindings).connection(session);
  try {
    await onSession(`SET lock_timeout = ${Math.round(waitMs)}`);
    try {
      await onSession('SELECT pg_advisory_lock(?::bigint)', [CORE_MIGRATIONS_LOCK_KEY]);
    } catch (error) {
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE)
        throw busy(waitMs, `PostgreSQL advisory lock ${CORE_MIGRATIONS_LOCK_KEY}`);
      throw error;
    } finally {
      // The connection goes back to the pool: queries that borrow it later get the usual timeout.
      await onSession('RESET lock_timeout');
    }
    const unlock = () => onSession('SELECT pg_advisory_unlock(?::bigint)', [CORE_MIGRATIONS_LOCK_KEY]);
    let result: T;
    try {
      result = await migrate();
    } catch (error) {
      // Keep the migration's error: if the unlock fails too, the caller closes the pool, and a
      // session-level lock goes with its connection.
      await unlock().catch(() => undefined);
      throw error;
    }
    await unlock();
    return result;
  } finally {
    await pool.releaseConnection(session);
  }
}

async function inImmediateTransaction<T>(
  knex: Knex,
  waitMs: number,
  busyTimeoutMs: number,
  migrate: () => Promise<T>,
): Promise<T> {
  // BEGIN IMMEDIATE waits for the writer lock through the busy timeout: lengthen it for this wait only.
  await knex.raw(`PRAGMA busy_timeout = ${Math.round(waitMs)}`);
  try {
    await knex.raw('BEGIN IMMEDIATE');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw busy(waitMs, 'SQLite writer lock');
    throw error;
  } finally {
    await knex.raw(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  }
  let result: T;
  try {
    result = await migrate();
  } catch (error) {
    // SQLite may already have rolled back on its own (disk full, I/O error): keep the first error.
    await knex.raw('ROLLBACK').catch(() => undefined);
    throw error;
  }
  await knex.raw('COMMIT');
  return result;
}
