import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../process/free-port.js';

/**
 * A throwaway PostgreSQL server for tests and benchmarks: Debian's `postgresql` package, `initdb`
 * into a temporary folder and `pg_ctl start` on a free loopback port — as user `postgres` when run
 * as root (PostgreSQL refuses to run as root), as the current user otherwise. Trust authentication
 * on 127.0.0.1 only; removed again by `stop()`.
 */
export interface PostgresServer {
  url(database?: string): string;
  port: number;
  createDatabase(name: string): void;
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) {
    throw new Error(
      'PostgreSQL is not installed: sudo apt-get install postgresql (scripts/setup.sh does it)',
    );
  }
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return join(root, versions[0]!, 'bin');
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, args: string[]): string {
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'rosey-pg-'));
  if (asRoot) {
    const pw = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gr = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(pw), Number(gr));
  }
  const data = join(dir, 'data');
  const port = await findFreePort();
  run(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '-N',
  ]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run(join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-o',
    options,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-t',
    '30',
    'start',
  ]);
  return {
    ...runningPostgres(port),
    stop: async () => {
      await new Promise<void>((resolve) => {
        const [command, argv] = asRoot
          ? [
              'runuser',
              ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'],
            ]
          : [join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']];
        spawn(command, argv, { stdio: 'ignore' }).on('close', () => resolve());
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A server started by someone else (the mutation run keeps one for all its test runs:
 * `ROSEY_TEST_POSTGRES_PORT`); `stop()` drops the databases created through this handle instead.
 */
export function runningPostgres(port: number): PostgresServer {
  const created: string[] = [];
  const psql = (sql: string) =>
    execFileSync(
      'psql',
      ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtc', sql],
      { encoding: 'utf8' },
    );
  return {
    port,
    url: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => {
      psql(`CREATE DATABASE "${name}"`);
      created.push(name);
    },
    stop: async () => {
      for (const name of created.splice(0)) psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await Promise.resolve();
    },
  };
}
