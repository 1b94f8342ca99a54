import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { errorMessage } from './result.js';

/**
 * Gives back the memory a busy spell left committed, once the process has gone quiet: one
 * memory-reducing collection (V8's "last resort" one) when the event loop was nearly idle for a
 * whole period and RSS has grown since the previous one. Rosey's main process and every plugin
 * process run it (issue 16).
 *
 * Why Rosey does it rather than V8: V8's memory reducer only runs when it sees a low allocation
 * rate, and in a Rosey process it keeps seeing a high one (`--trace-memory-reducer`: "high alloc,
 * foreground" every 8 s of an idle hour), so what a load committed stays in RSS. On Node 24 that
 * includes a pool of freed pages V8 keeps for reuse: main held 150 MB after 100,000 commands
 * where Node 20 holds 104, and one such collection in a process of that shape gave 25 MB back
 * (18 ms). The pause happens only when nothing is going on, at most once per growth.
 */
export interface IdleMemoryOptions {
  /** How often the period is looked at (default 10 s). */
  everyMs?: number;
  /** Share of the period the event loop may have been busy for it to count as quiet (default 2 %). */
  quietBelow?: number;
  /** Growth of RSS since the previous collection (or since the start) worth a pause (default 8 MB). */
  growthBytes?: number;
  /** Told what each collection did (a log line, tests). */
  released?: (report: MemoryRelease) => void;
  /** Told why collections stopped, if the collection itself failed (then there are no more). */
  failed?: (message: string) => void;
  /** The collection: by default V8's memory-reducing one, where V8 has it (tests pass their own). */
  collect?: () => void;
  /** This process's RSS in bytes (tests pass their own). */
  rss?: () => number;
}

export interface MemoryRelease {
  beforeBytes: number;
  afterBytes: number;
  pauseMs: number;
}

export interface IdleMemory {
  stop(): void;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** A collection's log line, the same in main's log and a plugin's. */
export const describeRelease = ({ beforeBytes, afterBytes, pauseMs }: MemoryRelease) =>
  `quiet after a busy spell: collected, RSS ${mb(beforeBytes)} → ${mb(afterBytes)} MB (${pauseMs.toFixed(0)} ms)`;

const DEFAULTS = { everyMs: 10_000, quietBelow: 0.02, growthBytes: 8 * 1024 * 1024 };

/**
 * Whether a collection is due: the period was quiet and RSS has grown by `growthBytes` since
 * `baseline` (RSS after the previous collection, or at the start).
 */
export function releaseDue(
  reading: { utilization: number; rss: number; baseline: number },
  limits: { quietBelow: number; growthBytes: number },
): boolean {
  return reading.utilization < limits.quietBelow && reading.rss - reading.baseline >= limits.growthBytes;
}

type Collect = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;
let exposedGc: Collect | undefined;

/**
 * Whether this V8's `gc` takes the options that make a collection reduce memory: V8 12 (Node 22)
 * and later. V8 11 (Node 20) reads any object as "minor" and runs a scavenge, which gives nothing
 * back; its heap keeps no pool of freed pages either, so there Rosey does not collect at all.
 */
export const collectsToReduceMemory = () => Number(process.versions.v8.split('.')[0]) >= 12;

/**
 * V8's `gc`, which Node only gives with `--expose-gc` on its command line (Rosey's main process
 * has none of its own): set at runtime, the flag takes effect for contexts made after it, so a new
 * context has it.
 */
function collector(): Collect {
  if (!exposedGc) {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc !== 'function') throw new Error('V8 did not expose gc');
    exposedGc = gc as Collect;
  }
  return exposedGc;
}

const reduceMemory = () => collector()({ type: 'major', execution: 'sync', flavor: 'last-resort' });

export function releaseMemoryWhenQuiet(options: IdleMemoryOptions = {}): IdleMemory {
  const collect = options.collect ?? (collectsToReduceMemory() ? reduceMemory : undefined);
  if (!collect) return { stop: () => undefined };
  const limits = { ...DEFAULTS, ...options };
  const readRss = options.rss ?? (() => process.memoryUsage.rss());
  let baseline = readRss();
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    const rss = readRss();
    if (!releaseDue({ utilization, rss, baseline }, limits)) return;
    const startedAt = performance.now();
    try {
      collect();
    } catch (error) {
      // A throw here would end the process (nothing catches a timer's): stop collecting instead.
      clearInterval(timer);
      limits.failed?.(`memory is no longer given back when quiet: ${errorMessage(error)}`);
      return;
    }
    const pauseMs = performance.now() - startedAt;
    baseline = readRss();
    // The collection itself was busy time: not a reason to think the next period was not quiet.
    last = performance.eventLoopUtilization();
    limits.released?.({ beforeBytes: rss, afterBytes: baseline, pauseMs });
  }, limits.everyMs);
  // Never what keeps a process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
