import { expect } from 'chai';
import type { Knex } from 'knex';
import { openDatabase, type Database } from '../../actors/database/open.js';
import {
  CORE_MIGRATIONS_LOCK_KEY,
  withCoreMigrationLock,
} from '../../actors/database/core-migrations/lock.js';
import type { DatabaseTarget } from '../../actors/database/target.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';

const BUSY_MS = 5000;

forEachDatabase('database: the core migrations lock', (kind) => {
  let target: DatabaseTarget;
  /** The process that migrates, and another one (its own connection) that watches or competes. */
  let db: Database;
  let other: Database;
  beforeEach(async () => {
    target = await freshDatabase(kind);
    db = await openDatabase(target, { applyCoreMigrations: false });
    other = await openDatabase(target, { applyCoreMigrations: false });
  });
  afterEach(async () => {
    await db.close();
    await other.close();
  });

  const lock = <T>(migrate: () => Promise<T>, waitMs?: number) =>
    withCoreMigrationLock(db.knex, kind, migrate, { sqliteBusyTimeoutMs: BUSY_MS, waitMs });

  /** Whether another process could take the lock now (it gives it back at once if it could). */
  async function free(): Promise<boolean> {
    if (kind === 'postgresql') {
      // One statement, so one connection: the lock and its release happen on the same session.
      const result = (await other.knex.raw(
        'SELECT CASE WHEN pg_try_advisory_lock(?::bigint) THEN pg_advisory_unlock(?::bigint) ELSE false END AS free',
        [CORE_MIGRATIONS_LOCK_KEY, CORE_MIGRATIONS_LOCK_KEY],
      )) as { rows: Array<{ free: boolean }> };
      return result.rows[0]!.free;
    }
    await other.knex.raw('PRAGMA busy_timeout = 0');
    try {
      await other.knex.raw('BEGIN IMMEDIATE');
    } catch {
      return false;
    } finally {
      await other.knex.raw(`PRAGMA busy_timeout = ${BUSY_MS}`);
    }
    await other.knex.raw('ROLLBACK');
    return true;
  }

  /** Another process holding the lock until the returned function is called. */
  async function heldByOther(): Promise<() => Promise<void>> {
    if (kind === 'postgresql') {
      const trx: Knex.Transaction = await other.knex.transaction();
      await trx.raw('SELECT pg_advisory_xact_lock(?::bigint)', [CORE_MIGRATIONS_LOCK_KEY]);
      return async () => {
        await trx.rollback();
      };
    }
    await other.knex.raw('BEGIN IMMEDIATE');
    return async () => {
      await other.knex.raw('ROLLBACK');
    };
  }

  it('is held while the migrations run and free once they are done', async () => {
    expect(await free()).to.equal(true);
    const during = await lock(() => free());
    expect(during).to.equal(false);
    expect(await free()).to.equal(true);
  });

  it('is released when the migrations fail, and the error is theirs', async () => {
    const error = await lock(async () => {
      await db.knex.raw('CREATE TABLE half_done (id INTEGER)');
      throw new Error('core migration failed');
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal('core migration failed');
    expect(await free()).to.equal(true);
    if (kind === 'sqlite') {
      // The migrations ran inside the lock's transaction: what they did before failing is undone.
      expect(await db.knex.schema.hasTable('half_done')).to.equal(false);
      expect(await db.knex.raw('PRAGMA busy_timeout')).to.deep.equal([{ timeout: BUSY_MS }]);
    }
  });

  // On SQLite the wait is better-sqlite3's busy loop, which blocks its thread: a holder in this
  // process could never let go. The processes of concurrent-open.test.ts wait on each other there.
  if (kind === 'postgresql')
    it('waits for another process holding it, then runs', async () => {
      const release = await heldByOther();
      let ran = false;
      const run = lock(async () => {
        ran = true;
      });
      try {
        // The waiter is blocked on the lock (the database says so), not yet running.
        await waitUntil(() => waitingOnLock(), 'the second opener to wait for the lock');
        expect(ran).to.equal(false);
      } finally {
        await release();
      }
      await run;
      expect(ran).to.equal(true);
    });

  it('gives up with the reason when another process holds it too long', async () => {
    const release = await heldByOther();
    try {
      let ran = false;
      const error = await lock(async () => {
        ran = true;
      }, 200).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.match(
        /^another process has been applying Rosey's core migrations for 0\.2 s \((PostgreSQL advisory lock 8245936322403853165|SQLite writer lock)\); try again when it is done$/,
      );
      expect(ran).to.equal(false);
    } finally {
      await release();
    }
    expect(await free()).to.equal(true);
    if (kind === 'sqlite')
      expect(await db.knex.raw('PRAGMA busy_timeout')).to.deep.equal([{ timeout: BUSY_MS }]);
  });

  // On SQLite the migrator runs without a transaction of its own (the lock's is theirs): a failed
  // core migration must still leave nothing behind.
  it('an open whose core migration fails keeps none of it and leaves the lock free', async () => {
    // The core migration creates rosey_kv first and rosey_audit last: this makes its last step fail.
    await other.knex.raw('CREATE TABLE rosey_audit (id INTEGER)');
    const error = await openDatabase(target).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/^cannot prepare (SQLite|PostgreSQL) .*rosey_audit.* already exists/);
    expect(await other.knex.schema.hasTable('rosey_kv')).to.equal(false);
    expect(await free()).to.equal(true);
    await other.knex.raw('DROP TABLE rosey_audit');
    const opened = await openDatabase(target);
    await opened.close();
  });

  /** Whether a session waits for an advisory lock. */
  async function waitingOnLock(): Promise<boolean> {
    const result = (await other.knex.raw(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
    )) as { rows: Array<{ n: number }> };
    return result.rows[0]!.n > 0;
  }
});

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
