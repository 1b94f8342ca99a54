import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable } from '../../process/find-executable.js';
import { authorizationBlock, type NatsUser } from './credentials.js';
import { dieWithParent } from '../../process/parent-death.js';
import { findFreePort } from '../../process/free-port.js';
import { describeProcessExit, exitOf, terminate, type ProcessExit } from '../../process/process-exit.js';

export interface NatsServerOptions {
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /**
   * Users clients must log in as (see actors/nats-server/credentials.ts). They go in a 0600 config file,
   * removed once the server has read it; never on the command line.
   */
  users?: NatsUser[];
  /** Directory for the generated config file. */
  dir: string;
  /** Binary to run. Default `nats-server` from PATH (Debian package `nats-server`). */
  binary?: string;
  /** How long to wait for "Server is ready". */
  readyTimeoutMs?: number;
  /** Receives the server's own log lines. */
  onLog?: (line: string) => void;
}

export interface NatsServerHandle {
  url: string;
  port: number;
  pid: number;
  process: ChildProcess;
  exited: Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ProcessExit>;
  /** SIGKILL, without waiting. */
  kill(): void;
  /**
   * Replaces the server's users (a plugin installed or upgraded while Rosey runs): the config file
   * is written again, the server told to reload it (SIGHUP), and removed once the server has.
   */
  reload(users: NatsUser[], timeoutMs?: number): Promise<void>;
}

export const INSTALL_HINT =
  'install it with `sudo apt-get install nats-server` (Debian/Ubuntu), or set nats.url / NATS_URL to use a server you run';

/**
 * Starts a nats-server bound to 127.0.0.1 and resolves once it accepts clients. Used by the
 * `nats-server` actor and by the test suite, so tests run against the same server Rosey embeds.
 */
export async function startNatsServer(options: NatsServerOptions): Promise<NatsServerHandle> {
  const port = options.port ?? (await findFreePort());
  mkdirSync(options.dir, { recursive: true });
  const configFile = join(options.dir, `nats-server-${port}.conf`);
  const writeConfig = (users: NatsUser[] | undefined) => {
    // The name lives in the file, not on the command line: a reload must find the same one.
    const lines = [
      `listen: "127.0.0.1:${port}"`,
      `server_name: "rosey-${process.pid}-${port}"`,
      'max_payload: 1048576',
    ];
    if (users && users.length > 0) lines.push(authorizationBlock(users));
    writeFileSync(configFile, lines.join('\n') + '\n', { mode: 0o600 });
    chmodSync(configFile, 0o600);
  };
  writeConfig(options.users);
  const lineListeners = new Set<(line: string) => void>();

  const binary = options.binary ?? 'nats-server';
  const executable = findExecutable(binary);
  if (!executable) throw new Error(`nats-server not found (${binary}): ${INSTALL_HINT}`);
  const { command, args } = dieWithParent(executable, ['-c', configFile]);
  // Own process group: a Ctrl-C in the terminal reaches Rosey, which stops the server in order.
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const exited = exitOf(child);
  const recent: string[] = [];

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`nats-server did not become ready within ${options.readyTimeoutMs ?? 10_000} ms`));
      }, options.readyTimeoutMs ?? 10_000);
      const done = (error?: Error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      child.once('error', (error) => done(new Error(`cannot start nats-server: ${error.message}`)));
      let buffered = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          recent.push(line);
          if (recent.length > 5) recent.shift();
          options.onLog?.(line);
          for (const listener of lineListeners) listener(line);
          if (line.includes('Server is ready')) done();
        }
      });
      void exited.then((exit) => {
        const why = recent.filter((l) => /\[(FTL|ERR)\]/.test(l)).join('; ') || recent.at(-1) || '';
        done(
          new Error(
            `nats-server exited during startup (${describeProcessExit(exit)})${why ? `: ${why}` : ''}`,
          ),
        );
      });
    });
  } finally {
    // Read by the server at start (or not needed after a failed start): the token leaves the disk.
    rmSync(configFile, { force: true });
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    process: child,
    exited,
    stop: (graceMs = 5000) => terminate(child, graceMs),
    kill: () => {
      child.kill('SIGKILL');
    },
    reload: async (users, timeoutMs = 5000) => {
      writeConfig(users);
      try {
        await new Promise<void>((resolve, reject) => {
          const done = (error?: Error) => {
            clearTimeout(timer);
            lineListeners.delete(listener);
            if (error) reject(error);
            else resolve();
          };
          const listener = (line: string) => {
            if (line.includes('Reloaded server configuration')) done();
            else if (/\[(ERR|FTL)\].*reload/i.test(line))
              done(new Error(`nats-server refused the new users: ${line}`));
          };
          const timer = setTimeout(
            () => done(new Error(`nats-server did not reload its users within ${timeoutMs} ms`)),
            timeoutMs,
          );
          lineListeners.add(listener);
          child.kill('SIGHUP');
        });
      } finally {
        rmSync(configFile, { force: true });
      }
    },
  };
}
