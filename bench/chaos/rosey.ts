/**
 * A real Rosey for the chaos suite: `rosey start` in a folder of its own (its nats-server, its
 * plugin processes, SQLite in `<dir>/data`), reached as Rosey's admin NATS user over a connection
 * that reconnects at once when the nats-server comes back, and killed or stopped on demand. Every
 * Rosey started here is remembered, so whatever happens the suite leaves no process behind.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { NatsConnection } from '../../contract/nats.js';
import { statusReplySchema, type TreeNode } from '../../contract/messages/control.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { findNode } from '../../supervisors/describe-tree.js';
import { spawnRosey } from '../harness.js';
import { now, sleep } from './clock.js';

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
 * `rosey start` in `dir` with `config` (rosey.yaml lines), once `ready(tree)` holds. Starting again
 * in the same `dir` reuses its data (the kill-and-restart scenarios).
 */
export async function startRosey(options: {
  dir: string;
  config: string[];
  ready: (tree: TreeNode) => boolean;
}): Promise<ChaosRosey> {
  const spawned = await spawnRosey({
    ...options,
    nodeArgs: ['--enable-source-maps'],
    stdio: ['ignore', 'ignore', 'inherit'],
    // The nats-server comes back on the same port: reconnect at once and for ever.
    connection: { name: 'chaos', reconnectTimeWait: 20, maxReconnectAttempts: -1 },
  });
  const { child, nc: connection, exited } = spawned;
  alive.add(child);
  const done = async () => {
    await exited;
    alive.delete(child);
    await connection.close().catch(() => undefined);
  };
  return {
    dir: options.dir,
    dataDir: join(options.dir, 'data'),
    process: child,
    nc: connection,
    startupMs: spawned.startupMs,
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
