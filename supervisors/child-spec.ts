import type { AnyActorLogic } from 'xstate';
import type { BackoffOptions } from './backoff.js';
import type { RestartType } from './exit-reason.js';

/** `brutal_kill` stops at once; a number waits that many ms for a graceful exit, then kills. */
export type Shutdown = number | 'brutal_kill' | 'infinity';

/** An OTP child spec, with an XState actor logic in place of `{M, F, A}`. */
export interface ChildSpec {
  /** Unique among the supervisor's children. */
  id: string;
  logic: AnyActorLogic;
  input?: unknown;
  /** Default `permanent`. */
  restart?: RestartType;
  /** Default 5000 ms for workers, `infinity` for supervisors (OTP defaults). */
  shutdown?: Shutdown;
  /** Default `worker`. */
  type?: 'worker' | 'supervisor';
  /**
   * How long the child may take to report `rosey.child.ready` before its start counts as failed.
   * Default 30 s for workers, `infinity` for supervisors.
   */
  startTimeoutMs?: number | 'infinity';
  /**
   * `event` (default): the child is started when it sends `rosey.child.ready`.
   * `spawn`: the child is started as soon as it is spawned (for actors with nothing to wait for).
   */
  readyOn?: 'event' | 'spawn';
  /** Delay restarts of this child with exponential backoff and jitter. */
  backoff?: BackoffOptions;
}

export interface ResolvedChildSpec extends ChildSpec {
  restart: RestartType;
  shutdown: Shutdown;
  type: 'worker' | 'supervisor';
  startTimeoutMs: number | 'infinity';
  readyOn: 'event' | 'spawn';
}

export const DEFAULT_WORKER_SHUTDOWN_MS = 5000;
export const DEFAULT_WORKER_START_TIMEOUT_MS = 30_000;

export function resolveChildSpec(spec: ChildSpec): ResolvedChildSpec {
  const type = spec.type ?? 'worker';
  return {
    ...spec,
    type,
    restart: spec.restart ?? 'permanent',
    shutdown: spec.shutdown ?? (type === 'supervisor' ? 'infinity' : DEFAULT_WORKER_SHUTDOWN_MS),
    startTimeoutMs:
      spec.startTimeoutMs ?? (type === 'supervisor' ? 'infinity' : DEFAULT_WORKER_START_TIMEOUT_MS),
    readyOn: spec.readyOn ?? 'event',
  };
}

/** Rejects specs OTP would reject, with a message naming the child. */
export function validateChildSpecs(specs: readonly ChildSpec[]): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (!spec.id) throw new Error('child spec without an id');
    if (seen.has(spec.id)) throw new Error(`duplicate child id '${spec.id}'`);
    seen.add(spec.id);
    if (typeof spec.shutdown === 'number' && !(spec.shutdown >= 0)) {
      throw new Error(`child '${spec.id}': shutdown must be >= 0, 'brutal_kill' or 'infinity'`);
    }
    const backoff = spec.backoff;
    if (backoff && !(backoff.minMs >= 0 && backoff.maxMs >= backoff.minMs && backoff.randomFactor >= 0)) {
      throw new Error(`child '${spec.id}': backoff needs 0 <= minMs <= maxMs and randomFactor >= 0`);
    }
  }
}
