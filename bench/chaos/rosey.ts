/**
 * A real Rosey for the chaos suite: `rosey start` in a folder of its own (its nats-server, its
 * plugin processes, SQLite in `<dir>/data`), reached as Rosey's admin NATS user over a connection
 * that reconnects at once when the nats-server comes back, and killed or stopped on demand. Every
 * Rosey started here is remembered, so whatever happens the suite leaves no process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { readRuntimeFile } from '../../actors/control/runtime-file.js';
import { statusReplySchema, type TreeNode } from '../../contract/messages/control.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { findNode } from '../../supervisors/describe-tree.js';
import { now, sleep } from './clock.js';

const BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));
const STARTUP_LIMIT_MS = 60_000;
/** How long a graceful stop may take before the process is killed. */
const STOP_LIMIT_MS = 15_000;

const alive = new Set<ChildProcess>();

/** SIGKILLs every Rosey still running (its plugins and nats-server die with it: pdeathsig). */
export function killEverything(): void {
  for (const child of alive) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
process.once('exit', killEverything);

export interface ChaosRosey {
  dir: string;
  dataDir: string;
  process: ChildProcess;
  nc: NatsConnection;
  /** Spawn → ready. */
  startupMs: number;
  tree(): Promise<TreeNode>;
  /** A node of the status tree, or undefined when Rosey does not answer. */
  node(id: string): Promise<TreeNode | undefined>;
  /** SIGTERM, then SIGKILL if it has not exited within 15 s. */
  stop(): Promise<void>;
  /** kill -9 of the main process (storage, router, bus with it); waits for the exit. */
  kill(): Promise<void>;
}

export async function statusTree(nc: NatsConnection, timeoutMs = 2000): Promise<TreeNode | undefined> {
  const status = await request(nc, subjects.control('status'), {}, { timeoutMs, reply: statusReplySchema });
  return status.ok ? status.data.tree : undefined;
}

/**
 * `rosey start` in `dir` with `config` (rosey.yaml lines, `dataDir: data` first), once `ready(tree)`
 * holds. Starting again in the same `dir` reuses its data (the kill-and-restart scenarios).
 */
export async function startRosey(options: {
  dir: string;
  config: string[];
  ready: (tree: TreeNode) => boolean;
}): Promise<ChaosRosey> {
  const dataDir = join(options.dir, 'data');
  writeFileSync(join(options.dir, 'rosey.yaml'), ['dataDir: data', ...options.config].join('\n'));
  const t0 = now();
  const child = spawn(process.execPath, ['--enable-source-maps', BIN, 'start', '-c', 'rosey.yaml'], {
    cwd: options.dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  alive.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nc: NatsConnection | undefined;
  try {
    for (;;) {
      const found = readRuntimeFile(dataDir);
      if (found.kind === 'running' && found.info.pid === child.pid) {
        const { natsUrl, natsToken, natsUser, natsPass } = found.info;
        // The nats-server comes back on the same port: reconnect at once and for ever, so the
        // chat driver's lines wait in the client's buffer rather than being dropped by it.
        nc ??= await connect({
          servers: natsUrl,
          token: natsToken,
          user: natsUser,
          pass: natsPass,
          name: 'chaos',
          reconnectTimeWait: 20,
          maxReconnectAttempts: -1,
        });
        const tree = await statusTree(nc).catch(() => undefined);
        if (tree?.state === 'running' && options.ready(tree)) break;
      }
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`rosey exited during startup (${child.exitCode ?? child.signalCode})`);
      if (now() - t0 > STARTUP_LIMIT_MS)
        throw new Error(
          `rosey did not get ready within ${STARTUP_LIMIT_MS / 1000} s; see ${join(dataDir, 'logs', 'rosey.log')}`,
        );
      await sleep(20);
    }
  } catch (error) {
    await nc?.close().catch(() => undefined);
    child.kill('SIGKILL');
    await exited;
    alive.delete(child);
    throw error;
  }
  const connection = nc;
  const done = async () => {
    await exited;
    alive.delete(child);
    await connection.close().catch(() => undefined);
  };
  return {
    dir: options.dir,
    dataDir,
    process: child,
    nc: connection,
    startupMs: now() - t0,
    tree: async () => {
      const tree = await statusTree(connection, 5000);
      if (!tree) throw new Error('rosey did not answer rosey.control.status');
      return tree;
    },
    node: async (id) => {
      const tree = await statusTree(connection).catch(() => undefined);
      return tree && findNode(tree, id);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
        await exited;
        clearTimeout(timer);
      }
      await done();
    },
    kill: async () => {
      child.kill('SIGKILL');
      await done();
    },
  };
}

/** The pid a node of the status tree reports (a plugin host, the nats-server). */
export async function pidOf(rosey: ChaosRosey, id: string): Promise<number> {
  const pid = (await rosey.node(id))?.info?.pid;
  if (typeof pid !== 'number') throw new Error(`chaos: ${id} has no pid in the status tree`);
  return pid;
}

/** Polls until `check` gives a value, or `timeoutMs` passes (then undefined). */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const end = now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (now() > end) return undefined;
    await sleep(25);
  }
}
