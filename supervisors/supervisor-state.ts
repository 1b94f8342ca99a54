import type { AnyActorRef } from 'xstate';
import type { SupervisorLogger } from './supervisor-logger.js';
import type { ChildInfo } from './child-protocol.js';
import type { ChildSpec, ResolvedChildSpec } from './child-spec.js';
import type { ExitReason } from './exit-reason.js';
import type { Strategy } from './strategy.js';

/**
 * - `pending`    known, not started yet
 * - `starting`   spawned, waiting for `rosey.child.ready`
 * - `running`    started
 * - `stopping`   asked to shut down, waiting for it to exit (or for the kill timer)
 * - `exited`     ended on its own; the supervisor has not decided what to do yet
 * - `restarting` down, and will be started again (backoff or a group restart)
 * - `stopped`    down, and stays down (terminated, or a normal exit that needs no restart)
 * - `failed`     dynamic supervisors only: a temporary child that ended abnormally (or gave up), or an
 *                initial child that failed to start; kept for status, at most `FAILED_KEPT` of them
 */
export type ChildStatus =
  'pending' | 'starting' | 'running' | 'stopping' | 'exited' | 'restarting' | 'stopped' | 'failed';

export interface ChildRecord {
  spec: ResolvedChildSpec;
  status: ChildStatus;
  /** The actor of the current (or last) incarnation: `<id>:<incarnation>`. */
  actorId?: string;
  incarnation: number;
  /** Restarts performed so far (each counts toward intensity when it was attempted). */
  restarts: number;
  /** Wall clock (epoch ms) when the current incarnation became ready. */
  startedAt?: number;
  /** Monotonic time when the current incarnation became ready; drives backoff reset. */
  readyAt?: number;
  /** Exponent of the next backoff delay. */
  attempt: number;
  lastExit?: LastExit;
  info?: ChildInfo;
}

/**
 * How a child's last incarnation ended. `failure` is the account a supervisor child gives of giving
 * up (its exit reason stays `shutdown`, as in OTP), shown by `rosey status`.
 */
export interface LastExit {
  reason: ExitReason;
  at: number;
  failure?: string;
}

/** A restart waiting for its leader's `sup.restart_due`. */
export interface RestartGroupWait {
  /** Ids to start, in start order. */
  start: string[];
  /**
   * Counted against the intensity at the crash (OTP); a backoff restart is counted when it is
   * attempted instead.
   */
  counted: boolean;
}

/** Starts (or stops) `ids` at once and waits until none of them is still starting (or stopping). */
export type Step = { op: 'start'; ids: string[] } | { op: 'stop'; ids: string[] };

/** Why the current plan runs; decides what a failed start means. */
export type Purpose =
  'init' | 'restart' | 'start_child' | 'restart_child' | 'terminate' | 'shutdown' | 'escalate' | 'abort';

export interface SupervisorContext {
  name: string;
  strategy: Strategy;
  intensity: number;
  /** MaxT, in whole seconds as OTP counts it. */
  period: number;
  dynamic: boolean;
  /** A dynamic supervisor starts its initial children all at once (`start-plan.ts`). */
  concurrentStart: boolean;
  maxChildren: number;
  root: boolean;
  logger: SupervisorLogger;
  now: () => number;
  random: () => number;

  /** Child ids in start order. */
  order: string[];
  records: Record<string, ChildRecord>;
  /** Whole-second monotonic times of recent restarts, newest first (OTP `restarts`). */
  restartLog: number[];
  /** Steps still to run in the current plan, and the one in progress. */
  plan: Step[];
  step?: Step;
  purpose: Purpose;
  /** Events that arrived while a plan was running; replayed once the supervisor is idle again. */
  deferred: SupervisorEvent[];
  /** Restart groups waiting for their leader's `sup.restart_due`, by leader id. */
  groups: Record<string, RestartGroupWait>;
  /** Who asked to start or terminate a child, to be told how it went. */
  requesters: Record<string, { to: AnyActorRef; op: RequestOp }>;
  /**
   * Set when the supervisor gives up or fails to start: the one-line account for the log and for
   * `rosey status` (the exit reason of a supervisor that gives up stays `shutdown`, as in OTP).
   */
  failure?: string;
}

export interface StartChildEvent {
  type: 'supervisor.start_child';
  spec: ChildSpec;
  replyTo?: AnyActorRef;
}

export interface TerminateChildEvent {
  type: 'supervisor.terminate_child';
  id: string;
  replyTo?: AnyActorRef;
}

/**
 * OTP `restart_child`: start a static child that was terminated (and kept its spec) again. A running
 * child is refused (`running`), one waiting for its restart too (`restarting`).
 */
export interface RestartChildEvent {
  type: 'supervisor.restart_child';
  id: string;
  replyTo?: AnyActorRef;
}

/** OTP `delete_child`: forget a static child's spec once it is stopped. */
export interface DeleteChildEvent {
  type: 'supervisor.delete_child';
  id: string;
  replyTo?: AnyActorRef;
}

/** The errors a supervisor answers child requests with, besides why a start failed. */
export const REFUSAL = {
  notFound: 'not found',
  running: 'running',
  restarting: 'restarting',
  alreadyStarted: 'already started',
  alreadyPresent: 'already present',
  maxChildren: 'max_children reached',
  dynamic: 'a dynamic supervisor restarts no child by id',
  shuttingDown: 'supervisor is shutting down',
} as const;

/** The requests a supervisor answers with `supervisor.result`. */
export type RequestOp = 'start_child' | 'restart_child' | 'terminate_child' | 'delete_child';

export interface ChildResultEvent {
  type: 'supervisor.result';
  op: RequestOp;
  id: string;
  ok: boolean;
  error?: string;
}

/** A child's exit, after the raw XState / protocol events are mapped to the child record. */
export interface ExitNotice {
  type: 'sup.exit';
  id: string;
  actorId: string;
  reason: ExitReason;
  /** A supervisor child's account of giving up. */
  failure?: string;
}

export type SupervisorEvent =
  | ExitNotice
  | { type: 'rosey.child.ready'; id: string; info?: ChildInfo }
  | { type: 'rosey.child.info'; id: string; info: ChildInfo }
  | { type: 'rosey.child.exit'; id: string; reason: ExitReason }
  | { type: 'rosey.shutdown'; reason?: string }
  | StartChildEvent
  | RestartChildEvent
  | TerminateChildEvent
  | DeleteChildEvent
  | { type: 'sup.start_timeout'; actorId: string }
  | { type: 'sup.kill_timeout'; actorId: string }
  | { type: 'sup.restart_due'; id: string }
  | { type: 'sup.plan.complete' }
  | { type: `xstate.error.actor.${string}`; error: unknown; actorId?: string }
  | { type: `xstate.done.actor.${string}`; output: unknown; actorId?: string };

/** Whether an actor's context is a supervisor's (how status and kill tell supervisors from workers). */
export function isSupervisorContext(context: unknown): context is SupervisorContext {
  return typeof context === 'object' && context !== null && 'records' in context && 'strategy' in context;
}
