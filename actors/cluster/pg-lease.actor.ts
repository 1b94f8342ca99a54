import type { Client } from 'pg';
import { fromCallback } from 'xstate';
import type { Logger } from '../../contract/log.js';
import { errorMessage } from '../../contract/result.js';
import { leaseKey } from './lease-key.js';

export interface PgLeaseTiming {
  /** How often a standby tries to take the lock. */
  tryEveryMs: number;
  /** How often the leader checks its session is alive; a check that fails or takes longer loses. */
  checkEveryMs: number;
  checkTimeoutMs: number;
  /**
   * PostgreSQL's side: how long a session whose peer went silent is kept (TCP keepalives, then
   * `tcp_user_timeout`), after which the lock is free for the standby. It must exceed what the
   * leader needs to notice (checkEveryMs + checkTimeoutMs): the leader steps down first.
   */
  serverDeadAfterMs: number;
}

export const DEFAULT_LEASE_TIMING: PgLeaseTiming = {
  tryEveryMs: 250,
  checkEveryMs: 500,
  checkTimeoutMs: 1000,
  serverDeadAfterMs: 5000,
};

/** Rejects when `promise` has not settled within `ms`: a session that hangs is a session lost. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface PgLeaseInput {
  /** PostgreSQL's URL (the shared database). */
  url: string;
  /** What is leased, e.g. `cytube:https://cytu.be/mychannel`: one holder among all the nodes. */
  name: string;
  /** Who holds it, in pg_stat_activity's application_name. */
  holder: string;
  timing: PgLeaseTiming;
  logger: Logger;
}

/** To the parent. */
export type PgLeaseEvent = { type: 'lease.won' } | { type: 'lease.lost'; reason: string };

/**
 * A lease on one PostgreSQL session advisory lock (`pg_try_advisory_lock`), on a connection of its
 * own: whoever's session holds the lock holds the lease. The lock dies with the session, so a
 * leader killed with -9 frees it the moment the kernel closes its socket, and the standby (trying
 * every `tryEveryMs`) takes it. A leader that loses its database (partition, restart) finds out by
 * its check query failing and reports `lease.lost` at once, before PostgreSQL gives up on the
 * silent session (`serverDeadAfterMs`, through the session's TCP keepalives and user timeout) and
 * lets another node in. Stopping the actor ends the session, which frees the lock.
 */
export const pgLeaseActor = fromCallback<{ type: 'lease.never' }, PgLeaseInput>(({ input, sendBack }) => {
  const log = input.logger;
  const key = leaseKey(input.name);
  const { timing } = input;
  let client: Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let held = false;

  const later = (fn: () => void, ms: number) => {
    timer = setTimeout(fn, ms);
  };

  /** Ends the session (which frees the lock if it held it) and tries again. */
  let lastProblem: string | undefined;
  const drop = (reason: string) => {
    // Once per kind of problem: a database that stays away would fill the log every tryEveryMs.
    if (reason !== lastProblem) log.warn(reason);
    lastProblem = reason;
    const old = client;
    client = undefined;
    clearTimeout(timer);
    void old?.end().catch(() => undefined);
    if (held) {
      held = false;
      sendBack({ type: 'lease.lost', reason });
    }
    if (!stopped) later(() => void open(), timing.tryEveryMs);
  };

  const open = async () => {
    // Loaded by the lease only: a Rosey that is not a node of a cluster (most) never needs it here.
    const pg = await import('pg').then(
      (loaded) => loaded.default,
      (error: unknown) => {
        drop(`cannot load the PostgreSQL client: ${errorMessage(error)}`);
        return undefined;
      },
    );
    if (!pg || stopped) return;
    const session = new pg.Client({
      connectionString: input.url,
      application_name: `rosey-lease ${input.holder}`,
      keepAlive: true,
      keepAliveInitialDelayMillis: 1000,
      connectionTimeoutMillis: Math.max(1000, timing.checkTimeoutMs),
      query_timeout: timing.checkTimeoutMs,
    });
    session.on('error', (error) => {
      if (client === session) drop(`the lease's database session failed: ${error.message}`);
    });
    session.on('end', () => {
      if (client === session) drop("the lease's database session ended");
    });
    client = session;
    try {
      await within(session.connect(), timing.checkTimeoutMs * 2, 'connecting');
      const idleS = Math.max(1, Math.floor(timing.serverDeadAfterMs / 2000));
      // PostgreSQL drops a silent peer's session after about serverDeadAfterMs: keepalives first,
      // tcp_user_timeout for data it sent that was never acknowledged.
      await within(
        session.query(
          `SELECT set_config('tcp_keepalives_idle', $1, false), set_config('tcp_keepalives_interval', '1', false),
                set_config('tcp_keepalives_count', $2, false), set_config('tcp_user_timeout', $3, false)`,
          [
            String(idleS),
            String(Math.max(1, Math.floor(timing.serverDeadAfterMs / 1000) - idleS)),
            String(timing.serverDeadAfterMs),
          ],
        ),
        timing.checkTimeoutMs * 2,
        'setting the session up',
      );
    } catch (error) {
      if (client === session && !stopped)
        drop(`cannot open the lease's database session: ${errorMessage(error)}`);
      return;
    }
    if (client === session && !stopped) void attempt(session);
  };

  const attempt = async (session: Client) => {
    try {
      const { rows } = await within(
        session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]),
        timing.checkTimeoutMs * 2,
        'asking for the lock',
      );
      if (client !== session || stopped) return;
      lastProblem = undefined;
      if (rows[0]?.locked) {
        held = true;
        log.info(`holding the lease ${input.name}`);
        sendBack({ type: 'lease.won' });
        later(() => void check(session), timing.checkEveryMs);
      } else later(() => void attempt(session), timing.tryEveryMs);
    } catch (error) {
      if (client === session && !stopped) drop(`cannot ask for the lease: ${errorMessage(error)}`);
    }
  };

  const check = async (session: Client) => {
    try {
      await within(session.query('SELECT 1'), timing.checkTimeoutMs, 'the check');
      if (client === session && !stopped) later(() => void check(session), timing.checkEveryMs);
    } catch (error) {
      if (client === session && !stopped)
        drop(`lost the database while holding the lease: ${errorMessage(error)}`);
    }
  };

  void open();

  return () => {
    stopped = true;
    clearTimeout(timer);
    const old = client;
    client = undefined;
    // Ending the session frees the lock for the standby at once.
    void old?.end().catch(() => undefined);
  };
});
