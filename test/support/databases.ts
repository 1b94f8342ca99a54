import { join } from 'node:path';
import type { DatabaseTarget } from '../../actors/database/target.js';
import { runningPostgres, startPostgres, type PostgresServer } from './postgres.js';
import { tempDir } from './nats.js';

/**
 * The databases every storage test runs against: a fresh SQLite file, and a fresh database on one
 * PostgreSQL server shared by the whole test run (started on first use, stopped by the root hook; or
 * one already running on the port `ROSEY_TEST_POSTGRES_PORT` names, where the hook drops the run's
 * databases instead).
 */
let server: Promise<PostgresServer> | undefined;
let counter = 0;

export function sharedPostgres(): Promise<PostgresServer> {
  const running = process.env.ROSEY_TEST_POSTGRES_PORT;
  server ??= running ? Promise.resolve(runningPostgres(Number(running))) : startPostgres();
  return server;
}

export async function stopSharedPostgres(): Promise<void> {
  if (server) await (await server).stop();
  server = undefined;
}

export type DatabaseKind = 'sqlite' | 'postgresql';

export async function freshDatabase(kind: DatabaseKind): Promise<DatabaseTarget> {
  if (kind === 'sqlite') return { kind: 'sqlite', file: join(tempDir('rosey-db-'), 'rosey.db') };
  const pg = await sharedPostgres();
  const name = `rosey_test_${process.pid}_${++counter}`;
  pg.createDatabase(name);
  return { kind: 'postgresql', url: pg.url(name) };
}

/** Defines the same suite once per database. */
export function forEachDatabase(title: string, suite: (kind: DatabaseKind) => void): void {
  for (const kind of ['sqlite', 'postgresql'] as const) {
    describe(`${title} [${kind}]`, function () {
      this.timeout(60_000);
      suite(kind);
    });
  }
}
