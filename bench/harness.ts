/**
 * What every benchmark suite needs: a real Rosey started with `rosey start`, a NATS connection as
 * its admin user, and the two ways of driving load (one at a time for latency, many in flight for
 * throughput).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type ConnectionOptions, type NatsConnection } from '../contract/nats.js';
import { statusReplySchema, type TreeNode } from '../contract/messages/control.js';
import { request } from '../contract/request.js';
import { readRuntimeFile } from '../actors/control/runtime-file.js';
import { subjects } from '../contract/subjects.js';
import { latencyLine, summarize, type Summary } from './stats.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();

export async function treeOf(nc: NatsConnection): Promise<TreeNode> {
  const status = await request(
    nc,
    subjects.control('status'),
    {},
    { timeoutMs: 5000, reply: statusReplySchema },
  );
  if (!status.ok) throw new Error(`no status: ${status.error.message}`);
  return status.data.tree;
}

/** How long a Rosey under test may take to come up before the suite gives up on it. */
const STARTUP_LIMIT_MS = 60_000;

export function rssMb(pid: number): number {
  return memoryMb(pid).rss;
}

/**
 * A process's memory in MB, from /proc/<pid>/smaps_rollup: `rss` (what `VmRSS` and `ps` say),
 * `private` (pages no other process maps: what the process alone costs, its USS) and `pss` (its
 * share of everything, shared pages divided among the processes that map them). Every Node process
 * maps the same Node binary, and most of a small one's RSS is that binary's pages, counted in full
 * in the RSS of each.
 */
export function memoryMb(pid: number): { rss: number; private: number; pss: number } {
  const kb = (field: string, text: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    rss: kb('Rss', text) / 1024,
    private: (kb('Private_Clean', text) + kb('Private_Dirty', text)) / 1024,
    pss: kb('Pss', text) / 1024,
  };
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  // After the last ')': a plugin process's title, `dice@1 (rosey plugin)`, has brackets of its own.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Every living descendant of a process, depth first. */
export function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // gone meanwhile
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Share of one core each process used while `work` ran. */
export async function cpuShare<T>(
  pids: Record<string, number>,
  work: () => Promise<T>,
): Promise<[T, string]> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const t = now();
  const result = await work();
  const seconds = (now() - t) / 1000;
  const shares = Object.entries(pids)
    .map(([k, pid]) => `${k} ${((100 * (cpuSeconds(pid) - before[k]!)) / seconds).toFixed(0)}%`)
    .join(', ');
  return [result, shares];
}

/** Latency of `once`, awaited one call at a time after a warm-up (JIT, caches, connection pools). */
export async function sequential(label: string, n: number, once: () => Promise<unknown>): Promise<Summary> {
  for (let i = 0; i < Math.min(500, n / 4); i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = now();
    await once();
    samples.push(now() - t);
  }
  const s = summarize(samples);
  console.log(latencyLine(label, s));
  return s;
}

/** Calls per second with `window` calls in flight for `seconds`. */
export async function throughput(
  label: string,
  seconds: number,
  once: () => Promise<unknown>,
  window = 128,
): Promise<number> {
  let done = 0;
  const end = now() + seconds * 1000;
  const worker = async () => {
    while (now() < end) {
      await once();
      done++;
    }
  };
  const t = now();
  await Promise.all(Array.from({ length: window }, worker));
  const rate = done / ((now() - t) / 1000);
  console.log(`${label.padEnd(44)} ${rate.toFixed(0).padStart(8)} /s  (${window} in flight, ${seconds} s)`);
  return rate;
}

export interface RoseyUnderTest {
  process: ChildProcess;
  nc: NatsConnection;
  natsUrl: string;
  user?: string;
  pass?: string;
  /** Spawn → `ready(tree)` first true. */
  startupMs: number;
  stop(): Promise<void>;
}

/** A `rosey start` that has got ready, as `spawnRosey` hands it over. */
export interface SpawnedRosey {
  child: ChildProcess;
  nc: NatsConnection;
  natsUrl: string;
  user?: string;
  pass?: string;
  /** Spawn → `ready(tree)` first true. */
  startupMs: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/**
 * `rosey start` in `dir` with the given rosey.yaml lines (`dataDir: data` first), connected to as
 * Rosey's admin NATS user once `ready(tree)` holds. Starting again in a folder a killed Rosey left
 * works: only the runtime file of this very process counts. A start that fails or does not get
 * ready within 60 s kills the process and throws, saying where to look.
 */
export async function spawnRosey(options: {
  dir: string;
  config: string[];
  ready: (tree: TreeNode) => boolean;
  nodeArgs?: string[];
  stdio?: StdioOptions;
  /** The NATS client's name and reconnect settings. */
  connection?: Pick<ConnectionOptions, 'name' | 'reconnectTimeWait' | 'maxReconnectAttempts'>;
}): Promise<SpawnedRosey> {
  const dataDir = join(options.dir, 'data');
  writeFileSync(join(options.dir, 'rosey.yaml'), ['dataDir: data', ...options.config].join('\n'));
  const t0 = now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, 'start', '-c', 'rosey.yaml'], {
    cwd: options.dir,
    stdio: options.stdio ?? 'inherit',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nc: NatsConnection | undefined;
  try {
    for (;;) {
      const found = readRuntimeFile(dataDir);
      if (found.kind === 'running' && found.info.pid === child.pid) {
        const { natsUrl, natsToken, natsUser, natsPass } = found.info;
        nc ??= await connect({
          name: 'bench',
          ...options.connection,
          servers: natsUrl,
          token: natsToken,
          user: natsUser,
          pass: natsPass,
        });
        const tree = await treeOf(nc).catch(() => undefined);
        if (tree?.state === 'running' && options.ready(tree))
          return { child, nc, natsUrl, user: natsUser, pass: natsPass, startupMs: now() - t0, exited };
      }
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`rosey exited during startup (${child.exitCode ?? child.signalCode})`);
      // A benchmark waiting forever for something that will never start (a plugin refused at
      // discovery) measures nothing: give up and say where to look.
      if (now() - t0 > STARTUP_LIMIT_MS)
        throw new Error(
          `rosey did not get ready within ${STARTUP_LIMIT_MS / 1000} s; see ${join(dataDir, 'logs', 'rosey.log')}`,
        );
      await sleep(5);
    }
  } catch (error) {
    await nc?.close().catch(() => undefined);
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

/** `spawnRosey` for a benchmark: `stop()` closes the connection and waits for a SIGTERM'd exit. */
export async function launchRosey(options: {
  dir: string;
  config: string[];
  nodeArgs?: string[];
  ready: (tree: TreeNode) => boolean;
}): Promise<RoseyUnderTest> {
  const spawned = await spawnRosey(options);
  return {
    process: spawned.child,
    nc: spawned.nc,
    natsUrl: spawned.natsUrl,
    user: spawned.user,
    pass: spawned.pass,
    startupMs: spawned.startupMs,
    stop: async () => {
      await spawned.nc.close();
      spawned.child.kill('SIGTERM');
      await spawned.exited;
    },
  };
}

export function ratioLine(of: Summary, to: Summary, label = 'ratio to baseline'): string {
  const r = (k: 'p50' | 'p95' | 'p99') => `×${(of[k] / to[k]).toFixed(1)}`;
  return `  ${label}: p50 ${r('p50')}, p95 ${r('p95')}, p99 ${r('p99')}`;
}
