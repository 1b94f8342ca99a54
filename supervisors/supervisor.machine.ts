import {
  and,
  assertEvent,
  enqueueActions,
  setup,
  type AnyActorLogic,
  type AnyActorRef,
  type EventObject,
  type ExtractEvent,
} from 'xstate';
import { silentLogger, type SupervisorLogger } from './supervisor-logger.js';
import { childReady } from './child-protocol.js';
import { resolveChildSpec, validateChildSpecs, type ChildSpec } from './child-spec.js';
import {
  describeExit,
  describeExitWith,
  exitFromError,
  exitFromOutput,
  exitText,
  failureFromOutput,
  shouldRestart,
  type ExitReason,
} from './exit-reason.js';
import { dict } from './dict.js';
import { addRestart } from './restart-intensity.js';
import { initialPlan, startsChild } from './start-plan.js';
import type { Strategy } from './strategy.js';
import {
  REFUSAL,
  type ChildRecord,
  type ExitNotice,
  type RequestOp,
  type RestartChildEvent,
  type StartChildEvent,
  type SupervisorContext,
  type SupervisorEvent,
} from './supervisor-state.js';
import { ALIVE, SupervisorTx, type Effect } from './supervisor-tx.js';

export interface SupervisorInput {
  /** Name shown in logs and status. */
  name: string;
  strategy: Strategy;
  /** MaxR: restarts allowed within `period` seconds. OTP default 1; dynamic supervisors default 3. */
  intensity?: number;
  /** MaxT in whole seconds. Default 5. */
  period?: number;
  children?: ChildSpec[];
  /**
   * A dynamic one-for-one supervisor (Elixir's DynamicSupervisor): children come and go with
   * `supervisor.start_child` / `supervisor.terminate_child`, a child that fails to start is reported
   * instead of failing the supervisor, and shutdown stops all children at once.
   */
  dynamic?: boolean;
  /**
   * A dynamic supervisor only: start the initial children all at once instead of one after another
   * (static supervisors keep OTP's left-to-right start). It is ready once every one of them has
   * reported ready or failed.
   */
  concurrentStart?: boolean;
  maxChildren?: number;
  /** The top of a tree: there is no parent to tell when it is ready. */
  root?: boolean;
  logger?: SupervisorLogger;
  /** Monotonic clock in ms, for restart intensity and backoff reset. */
  now?: () => number;
  /** Source of jitter for backoff. */
  random?: () => number;
}

export interface SupervisorOutput {
  /**
   * `shutdown` when it was shut down or gave up (OTP), `{shutdown: why}` when it failed to start
   * (OTP's `{shutdown, {failed_to_start_child, …}}`).
   */
  exit: ExitReason;
  /** Why it gave up, for the log and `rosey status`; it does not change the exit reason's shape. */
  failure?: string;
}

function initialContext(input: SupervisorInput): SupervisorContext {
  const children = input.children ?? [];
  validateChildSpecs(children);
  if (input.dynamic && input.strategy !== 'one_for_one') {
    throw new Error(`supervisor ${input.name}: a dynamic supervisor is one_for_one`);
  }
  if (input.concurrentStart && !input.dynamic) {
    // A static child may need the ones before it (OTP's start order is a guarantee).
    throw new Error(`supervisor ${input.name}: only a dynamic supervisor starts its children concurrently`);
  }
  const records = dict<ChildRecord>();
  for (const spec of children) {
    records[spec.id] = {
      spec: resolveChildSpec(spec),
      status: 'pending',
      incarnation: 0,
      restarts: 0,
      attempt: 0,
    };
  }
  return {
    name: input.name,
    strategy: input.strategy,
    intensity: input.intensity ?? (input.dynamic ? 3 : 1),
    period: input.period ?? 5,
    dynamic: input.dynamic ?? false,
    concurrentStart: input.concurrentStart ?? false,
    maxChildren: input.maxChildren ?? Infinity,
    root: input.root ?? false,
    logger: input.logger ?? silentLogger,
    now: input.now ?? (() => performance.now()),
    random: input.random ?? Math.random,
    order: children.map((c) => c.id),
    records,
    restartLog: [],
    plan: [],
    purpose: 'init',
    deferred: [],
    groups: dict(),
    requesters: dict(),
  };
}

/** The subset of XState's `enqueue` the supervisor uses to carry out its effects. */
interface Enqueue {
  assign(fn: () => Partial<SupervisorContext>): void;
  spawnChild(logic: AnyActorLogic, options: { id: string; input?: unknown }): void;
  sendTo(to: string | AnyActorRef, event: EventObject): void;
  stopChild(actorId: string): void;
  raise(event: SupervisorEvent, options?: { delay?: number; id?: string }): void;
  cancel(id: string): void;
  (action: () => void): void;
}

function commit(enqueue: Enqueue, logger: SupervisorLogger, tx: SupervisorTx): void {
  enqueue.assign(() => tx.ctx);
  for (const effect of tx.effects) apply(enqueue, logger, effect);
}

function apply(enqueue: Enqueue, logger: SupervisorLogger, effect: Effect): void {
  switch (effect.kind) {
    case 'spawn':
      enqueue.spawnChild(effect.logic, { id: effect.actorId, input: effect.input });
      return;
    case 'send':
      enqueue.sendTo(effect.actorId, effect.event);
      return;
    case 'kill':
      enqueue.stopChild(effect.actorId);
      return;
    case 'timer':
      enqueue.raise(effect.event, { delay: effect.delayMs, id: effect.timerId });
      return;
    case 'cancel':
      enqueue.cancel(effect.timerId);
      return;
    case 'raise':
      enqueue.raise(effect.event);
      return;
    case 'reply':
      enqueue.sendTo(effect.to, effect.event);
      return;
    case 'log':
      enqueue(() => logger[effect.level](effect.msg, effect.fields));
      return;
  }
}

type Decide = (tx: SupervisorTx, event: SupervisorEvent) => void;

type Collect = Parameters<
  typeof enqueueActions<
    SupervisorContext,
    SupervisorEvent,
    undefined,
    SupervisorEvent,
    never,
    never,
    never,
    never
  >
>[0];
const action = (collect: Collect) =>
  enqueueActions<SupervisorContext, SupervisorEvent, undefined, SupervisorEvent, never, never, never, never>(
    collect,
  );

/** Wraps a decision so it commits its context copy and runs its effects as one XState action. */
const decide = (fn: Decide) =>
  action(({ context, event, enqueue }) => {
    const tx = new SupervisorTx(context);
    fn(tx, event);
    commit(enqueue as unknown as Enqueue, context.logger, tx);
  });

/** The forms a child's end arrives in, before `normalizeExit` maps them to `sup.exit`. */
const RAW_EXITS = ['rosey.child.exit', 'xstate.error.actor.*', 'xstate.done.actor.*'] as const;

type RawExit = ExtractEvent<SupervisorEvent, (typeof RAW_EXITS)[number]>;

function exitOf(event: RawExit): { actorId: string; reason: ExitReason; failure?: string } {
  if (event.type === 'rosey.child.exit') return { actorId: event.id, reason: event.reason };
  if ('error' in event) {
    return { actorId: event.type.slice('xstate.error.actor.'.length), reason: exitFromError(event.error) };
  }
  const actorId = event.type.slice('xstate.done.actor.'.length);
  const failure = failureFromOutput(event.output);
  const reason = exitFromOutput(event.output);
  return failure === undefined ? { actorId, reason } : { actorId, reason, failure };
}

/** The exit belongs to the live (or exited-but-undecided) incarnation of a known child. */
function isCurrent(context: SupervisorContext, event: ExitNotice): boolean {
  const record = context.records[event.id];
  return record?.actorId === event.actorId && (ALIVE.has(record.status) || record.status === 'exited');
}

function isFailedStart(context: SupervisorContext, event: ExitNotice): boolean {
  return (
    isCurrent(context, event) &&
    startsChild(context.step, event.id) &&
    context.records[event.id]?.status === 'starting'
  );
}

/** A guard of a `sup.exit` transition. */
const onExit =
  (test: (context: SupervisorContext, event: ExitNotice) => boolean) =>
  ({ context, event }: { context: SupervisorContext; event: SupervisorEvent }): boolean => {
    assertEvent(event, 'sup.exit');
    return test(context, event);
  };

function intensityCheck(context: SupervisorContext) {
  return addRestart(context.restartLog, context.now(), context.intensity, context.period);
}

const onReady = decide((tx, event) => {
  assertEvent(event, 'rosey.child.ready');
  const record = tx.findByActor(event.id);
  if (record?.status !== 'starting') return;
  tx.markReady(record, event.info);
  tx.advance();
});

const onStopped = decide((tx, event) => {
  assertEvent(event, 'sup.exit');
  const record = tx.record(event.id);
  tx.markStopped(record, event.reason);
  tx.afterStopped(record);
  tx.advance();
});

const onStartTimeout = decide((tx, event) => {
  assertEvent(event, 'sup.start_timeout');
  const record = tx.findByActor(event.actorId);
  if (record?.status !== 'starting' || !record.actorId) return;
  const ms = record.spec.startTimeoutMs;
  tx.effects.push({ kind: 'kill', actorId: record.actorId });
  tx.effects.push({
    kind: 'raise',
    event: {
      type: 'sup.exit',
      id: record.spec.id,
      actorId: record.actorId,
      reason: { error: `not ready within ${ms} ms` },
    },
  });
});

const onKillTimeout = decide((tx, event) => {
  assertEvent(event, 'sup.kill_timeout');
  const record = tx.findByActor(event.actorId);
  if (record?.status !== 'stopping') return;
  tx.log('warn', `${record.spec.id} did not stop within ${String(record.spec.shutdown)} ms; killed`, {
    supervisor: tx.ctx.name,
  });
  tx.kill(record, { shutdown: 'killed' });
  tx.afterStopped(record);
  tx.advance();
});

const deferEvent = decide((tx, event) => {
  // What may wait for the plan to finish: `terminateAll` answers or drops exactly these.
  assertEvent(event, [
    'sup.exit',
    'sup.restart_due',
    'supervisor.start_child',
    'supervisor.restart_child',
    'supervisor.terminate_child',
    'supervisor.delete_child',
  ]);
  if (event.type === 'sup.exit') {
    const record = tx.record(event.id);
    // Dead now; what to do about it is decided once the current plan is finished.
    record.status = 'exited';
    tx.noteExit(record, event.reason, event.failure);
  }
  tx.ctx.deferred.push(event);
});

function logExit(tx: SupervisorTx, event: ExitNotice, restart: boolean): void {
  const level = typeof event.reason === 'string' && event.failure === undefined ? 'info' : 'warn';
  const how = describeExitWith(event.reason, event.failure);
  tx.log(level, `${event.id} exited (${how})${restart ? '' : '; not restarted'}`, {
    supervisor: tx.ctx.name,
  });
}

/** What a supervisor does with a child that ended while it was idle. */
const handleExit = decide((tx, event) => {
  assertEvent(event, 'sup.exit');
  const record = tx.record(event.id);
  const restart = shouldRestart(record.spec.restart, event.reason);
  logExit(tx, event, restart);
  if (!restart) {
    tx.retire(record, event.reason, event.failure);
    return;
  }
  tx.noteExit(record, event.reason, event.failure);
  // OTP counts the restart at the crash, before the siblings its strategy takes down are stopped
  // (how long they take to stop must not move it); a backoff restart counts when it is attempted.
  const counted = !record.spec.backoff;
  if (counted) tx.countRestart();
  tx.beginPlan('restart', tx.scheduleRestart(record, counted));
});

const beginGroupStart = decide((tx, event) => {
  assertEvent(event, 'sup.restart_due');
  const group = tx.ctx.groups[event.id] ?? { start: [event.id], counted: false };
  delete tx.ctx.groups[event.id];
  if (!group.counted) tx.countRestart();
  for (const id of group.start) {
    const r = tx.ctx.records[id];
    if (r) r.restarts += 1;
  }
  tx.beginPlan(
    'restart',
    group.start.map((id) => ({ op: 'start' as const, ids: [id] })),
  );
});

/** OTP: the intensity is exceeded; stop every child in reverse order and exit `shutdown`. */
function giveUp(tx: SupervisorTx, failedId: string): void {
  const failed = tx.ctx.records[failedId];
  const last = failed?.lastExit
    ? `; last exit of ${failedId}: ${describeExitWith(failed.lastExit.reason, failed.lastExit.failure)}`
    : '';
  tx.ctx.failure = `reached max restart intensity (${tx.ctx.intensity} in ${tx.ctx.period} s)${last}`;
  tx.log('error', `giving up: ${tx.ctx.failure}`, { supervisor: tx.ctx.name });
  terminateAll(tx, 'escalate');
}

/** A delayed (backoff) restart is due and exceeds the intensity. */
const beginEscalation = decide((tx, event) => {
  assertEvent(event, 'sup.restart_due');
  tx.countRestart();
  giveUp(tx, event.id);
});

/** A child crashed (or its restart failed) and counting that restart exceeds the intensity. */
const escalateAtCrash = decide((tx, event) => {
  assertEvent(event, 'sup.exit');
  const record = tx.record(event.id);
  logExit(tx, event, true);
  tx.markStopped(record, event.reason, event.failure);
  tx.countRestart();
  giveUp(tx, event.id);
});

const beginShutdown = decide((tx, event) => {
  assertEvent(event, 'rosey.shutdown');
  const why = event.reason ? `: ${event.reason}` : '';
  tx.log('debug', `shutting down${why}`, { supervisor: tx.ctx.name });
  terminateAll(tx, 'shutdown');
});

const beginAbort = decide((tx, event) => {
  assertEvent(event, 'sup.exit');
  const record = tx.record(event.id);
  tx.markStopped(record, event.reason);
  tx.ctx.failure = `failed to start ${event.id}: ${exitText(event.reason)}`;
  tx.log('error', tx.ctx.failure, { supervisor: tx.ctx.name });
  terminateAll(tx, 'abort');
});

type ChildRequest = ExtractEvent<
  SupervisorEvent,
  | 'supervisor.start_child'
  | 'supervisor.restart_child'
  | 'supervisor.terminate_child'
  | 'supervisor.delete_child'
>;

const CHILD_REQUESTS: ReadonlySet<string> = new Set([
  'supervisor.start_child',
  'supervisor.restart_child',
  'supervisor.terminate_child',
  'supervisor.delete_child',
]);

const isChildRequest = (event: SupervisorEvent): event is ChildRequest => CHILD_REQUESTS.has(event.type);

function requestOf(event: ChildRequest): { op: RequestOp; id: string } {
  switch (event.type) {
    case 'supervisor.start_child':
      return { op: 'start_child', id: event.spec.id };
    case 'supervisor.restart_child':
      return { op: 'restart_child', id: event.id };
    case 'supervisor.terminate_child':
      return { op: 'terminate_child', id: event.id };
    case 'supervisor.delete_child':
      return { op: 'delete_child', id: event.id };
  }
}

/** Answers a request that was not carried out (nobody is told when nobody asked for an answer). */
function answer(tx: SupervisorTx, event: ChildRequest, error?: string): void {
  if (!event.replyTo) return;
  const { op, id } = requestOf(event);
  tx.effects.push({
    kind: 'reply',
    to: event.replyTo,
    event:
      error === undefined
        ? { type: 'supervisor.result', op, id, ok: true }
        : { type: 'supervisor.result', op, id, ok: false, error },
  });
}

/** Stop everything in reverse start order and forget pending work (shutdown, escalation, abort). */
function terminateAll(tx: SupervisorTx, purpose: 'shutdown' | 'escalate' | 'abort'): void {
  tx.cancelRestartTimers();
  tx.ctx.groups = dict();
  for (const event of tx.ctx.deferred) {
    if (isChildRequest(event)) answer(tx, event, REFUSAL.shuttingDown);
  }
  for (const [id, { op }] of Object.entries(tx.ctx.requesters)) tx.reply(id, op, false, REFUSAL.shuttingDown);
  tx.ctx.deferred = [];
  for (const id of tx.ctx.order) {
    const r = tx.ctx.records[id];
    if (r && (r.status === 'restarting' || r.status === 'exited' || r.status === 'pending'))
      r.status = 'stopped';
  }
  tx.beginPlan(purpose, tx.stopAllSteps());
}

/** A restart attempt failed to start a child: OTP's try_again_restart, i.e. handle it as a new crash. */
const abortRestartPlan = decide((tx, event) => {
  assertEvent(event, 'sup.exit');
  const record = tx.record(event.id);
  tx.noteExit(record, event.reason, event.failure);
  tx.log('warn', `${event.id} failed to restart (${describeExit(event.reason)}); trying again`, {
    supervisor: tx.ctx.name,
  });
  // Whatever its restart type and exit reason: the restart was decided, it has to happen (or the
  // supervisor gives up once the attempts exceed its intensity). Each attempt counts, as in OTP.
  const counted = !record.spec.backoff;
  if (counted) tx.countRestart();
  tx.beginPlan('restart', tx.scheduleRestart(record, counted));
});

/**
 * A child added with start_child (or a dynamic supervisor's initial child) failed to start: report
 * it and carry on. OTP keeps nothing of a child start_child could not start; a dynamic supervisor
 * keeps an initial child that failed as `failed`, since nobody asked for it and status is where an
 * operator sees it.
 */
const retireFailedStart = decide((tx, event) => {
  assertEvent(event, 'sup.exit');
  const record = tx.record(event.id);
  tx.log('error', `${event.id} failed to start: ${describeExit(event.reason)}`, { supervisor: tx.ctx.name });
  tx.reply(event.id, 'start_child', false, describeExit(event.reason));
  tx.markStopped(record, event.reason, event.failure);
  if (tx.ctx.dynamic && tx.ctx.purpose === 'init') tx.markFailed(record);
  else tx.remove(event.id);
  tx.advance();
});

/** OTP: restart_child could not start the child; it answers why and keeps the spec. */
const failRestartChild = decide((tx, event) => {
  assertEvent(event, 'sup.exit');
  const record = tx.record(event.id);
  tx.log('error', `${event.id} failed to start: ${describeExit(event.reason)}`, { supervisor: tx.ctx.name });
  tx.reply(event.id, 'restart_child', false, describeExit(event.reason));
  tx.markStopped(record, event.reason, event.failure);
  tx.advance();
});

/** Why OTP's restart_child would refuse: `undefined` when the child can be started again. */
function restartChildRefusal(context: SupervisorContext, event: RestartChildEvent): string | undefined {
  // OTP answers `simple_one_for_one`: dynamic children are started anew with start_child.
  if (context.dynamic) return REFUSAL.dynamic;
  const record = context.records[event.id];
  // A temporary child is forgotten once it ends, so it is either running or not found (OTP).
  if (!record) return REFUSAL.notFound;
  if (ALIVE.has(record.status)) return REFUSAL.running;
  if (record.status !== 'stopped') return REFUSAL.restarting;
  return undefined;
}

const beginRestartChild = decide((tx, event) => {
  assertEvent(event, 'supervisor.restart_child');
  if (event.replyTo) tx.ctx.requesters[event.id] = { to: event.replyTo, op: 'restart_child' };
  tx.beginPlan('restart_child', [{ op: 'start', ids: [event.id] }]);
});

const beginStartChild = decide((tx, event) => {
  assertEvent(event, 'supervisor.start_child');
  const spec = resolveChildSpec(event.spec);
  const existing = tx.ctx.records[spec.id];
  tx.ctx.records[spec.id] = {
    spec,
    status: 'pending',
    incarnation: existing?.incarnation ?? 0,
    restarts: 0,
    attempt: 0,
  };
  if (!existing) tx.ctx.order.push(spec.id);
  if (event.replyTo) tx.ctx.requesters[spec.id] = { to: event.replyTo, op: 'start_child' };
  tx.beginPlan('start_child', [{ op: 'start', ids: [spec.id] }]);
});

function startChildRefusal(context: SupervisorContext, event: StartChildEvent): string | undefined {
  const existing = context.records[event.spec.id];
  // OTP: a terminated static child keeps its spec; restart_child or delete_child it first.
  if (existing?.status === 'stopped') return REFUSAL.alreadyPresent;
  if (existing && existing.status !== 'failed') return REFUSAL.alreadyStarted;
  // Children waiting for a restart count too (Elixir's DynamicSupervisor counts them).
  const counted = Object.values(context.records).filter(
    (r) => r.status !== 'failed' && r.status !== 'stopped',
  );
  if (counted.length >= context.maxChildren) return REFUSAL.maxChildren;
  try {
    validateChildSpecs([event.spec]);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

const deleteChild = decide((tx, event) => {
  assertEvent(event, 'supervisor.delete_child');
  const record = tx.ctx.records[event.id];
  const error = !record
    ? REFUSAL.notFound
    : ALIVE.has(record.status)
      ? REFUSAL.running
      : record.status === 'restarting' || record.status === 'exited'
        ? REFUSAL.restarting
        : undefined;
  if (error === undefined) tx.remove(event.id);
  answer(tx, event, error);
});

/** A request the supervisor cannot carry out now: why, or that it is shutting down. */
const refuse = decide((tx, event) => {
  assertEvent(event, [
    'supervisor.start_child',
    'supervisor.restart_child',
    'supervisor.terminate_child',
    'supervisor.delete_child',
  ]);
  const why =
    event.type === 'supervisor.start_child'
      ? startChildRefusal(tx.ctx, event)
      : event.type === 'supervisor.restart_child'
        ? restartChildRefusal(tx.ctx, event)
        : tx.ctx.records[event.id] || event.type === 'supervisor.delete_child'
          ? undefined
          : REFUSAL.notFound;
  answer(tx, event, why ?? REFUSAL.shuttingDown);
});

const beginTerminate = decide((tx, event) => {
  assertEvent(event, 'supervisor.terminate_child');
  if (event.replyTo) tx.ctx.requesters[event.id] = { to: event.replyTo, op: 'terminate_child' };
  const record = tx.record(event.id);
  delete tx.ctx.groups[event.id];
  if (!ALIVE.has(record.status)) {
    // Already down (or waiting for its restart, which is called off): OTP answers ok and keeps a
    // static child's spec, except a temporary child's.
    tx.reply(event.id, 'terminate_child', true);
    if (tx.ctx.dynamic || record.spec.restart === 'temporary' || record.status === 'failed') {
      tx.remove(event.id);
    } else {
      tx.keepStopped(record);
    }
    tx.beginPlan('terminate', []);
    return;
  }
  tx.beginPlan('terminate', [{ op: 'stop', ids: [event.id] }]);
});

const replayDeferred = decide((tx) => {
  const events = tx.ctx.deferred;
  tx.ctx.deferred = [];
  for (const event of events) tx.effects.push({ kind: 'raise', event });
});

function releaseChildren(ref: AnyActorRef | undefined): void {
  const children = (ref?.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> } | undefined)
    ?.children;
  // `stop()` is refused for non-root actors; the stop event is what a parent's stop sends them.
  for (const child of Object.values(children ?? {})) child?.send({ type: 'xstate.stop' });
}

/** A failure arrives in whichever form XState or the child produced; map it to the child record. */
const normalizeExit = action(({ context, event, enqueue, self }) => {
  assertEvent(event, RAW_EXITS);
  const exit = exitOf(event);
  const q = enqueue as unknown as Enqueue;
  if (event.type.startsWith('xstate.error.actor.')) {
    // XState stops an actor that threw but not the actors it invoked (see Actor._stopProcedure),
    // and stopping it again does not reach them: their sockets, timers and processes would
    // outlive it. Stop them here, before the replacement starts.
    const failed = (self.getSnapshot().children as Record<string, AnyActorRef | undefined>)[exit.actorId];
    q(() => releaseChildren(failed));
  }
  // A callback actor that reported its own exit is still active: stopping it runs its cleanup.
  q.stopChild(exit.actorId);
  const record = Object.values(context.records).find((r) => r.actorId === exit.actorId);
  if (!record) return;
  const notice: ExitNotice = {
    type: 'sup.exit',
    id: record.spec.id,
    actorId: exit.actorId,
    reason: exit.reason,
  };
  if (exit.failure !== undefined) notice.failure = exit.failure;
  q.raise(notice);
});

const storeInfo = decide((tx, event) => {
  assertEvent(event, 'rosey.child.info');
  const record = tx.findByActor(event.id);
  if (record) record.info = { ...record.info, ...event.info };
});

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
    output: {} as SupervisorOutput,
  },
  guards: {
    isStale: onExit((context, event) => !isCurrent(context, event)),
    isFailedStart: onExit((context, event) => isFailedStart(context, event)),
    // A child that fails its first start under a dynamic supervisor, or any start_child, is reported,
    // not retried; restarts still retry.
    isFailedRestartChild: onExit(
      (context, event) => isFailedStart(context, event) && context.purpose === 'restart_child',
    ),
    isFailedDynamicStart: onExit(
      (context, event) =>
        isFailedStart(context, event) &&
        (context.purpose === 'start_child' || (context.dynamic && context.purpose !== 'restart')),
    ),
    needsRestart: onExit(
      (context, event) =>
        context.records[event.id] !== undefined &&
        shouldRestart(context.records[event.id]!.spec.restart, event.reason),
    ),
    isStopping: onExit(
      (context, event) => isCurrent(context, event) && context.records[event.id]?.status === 'stopping',
    ),
    /** The child is restarted at once, so its restart is counted now (OTP); not after a backoff. */
    countsAtCrash: onExit((context, event) => context.records[event.id]?.spec.backoff === undefined),
    isRestartDue: ({ context, event }) => {
      assertEvent(event, 'sup.restart_due');
      return context.groups[event.id] !== undefined;
    },
    isUncounted: ({ context, event }) => {
      assertEvent(event, 'sup.restart_due');
      return context.groups[event.id]?.counted === false;
    },
    intensityExceeded: ({ context }) => intensityCheck(context).exceeded,
    canRestartChild: ({ context, event }) => {
      assertEvent(event, 'supervisor.restart_child');
      return restartChildRefusal(context, event) === undefined;
    },
    canStartChild: ({ context, event }) => {
      assertEvent(event, 'supervisor.start_child');
      return startChildRefusal(context, event) === undefined;
    },
    hasChild: ({ context, event }) => {
      assertEvent(event, 'supervisor.terminate_child');
      return context.records[event.id] !== undefined;
    },
  },
  actions: {
    normalizeExit,
    storeInfo,
    onReady,
    onStopped,
    onStartTimeout,
    onKillTimeout,
    deferEvent,
    handleExit,
    beginGroupStart,
    beginEscalation,
    escalateAtCrash,
    beginShutdown,
    beginAbort,
    abortRestartPlan,
    retireFailedStart,
    failRestartChild,
    beginRestartChild,
    beginStartChild,
    beginTerminate,
    deleteChild,
    refuse,
    replayDeferred,
    beginInit: decide((tx) => tx.beginPlan('init', initialPlan(tx.ctx.order, tx.ctx.concurrentStart))),
    notifyParentReady: action(({ context, enqueue, self }) => {
      if (!context.root) enqueue.sendParent(childReady(self));
    }),
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => initialContext(input),
  initial: 'starting',
  output: ({ context }): SupervisorOutput =>
    context.failure === undefined
      ? { exit: 'shutdown' }
      : context.purpose === 'abort'
        ? { exit: { shutdown: context.failure } }
        : { exit: 'shutdown', failure: context.failure },
  on: {
    'xstate.error.actor.*': { actions: 'normalizeExit' },
    'xstate.done.actor.*': { actions: 'normalizeExit' },
    'rosey.child.exit': { actions: 'normalizeExit' },
    'rosey.child.info': { actions: 'storeInfo' },
    'rosey.child.ready': { actions: 'onReady' },
    'sup.start_timeout': { actions: 'onStartTimeout' },
    'sup.kill_timeout': { actions: 'onKillTimeout' },
  },
  states: {
    starting: {
      entry: 'beginInit',
      on: {
        'sup.exit': [
          { guard: 'isStale' },
          { guard: 'isFailedDynamicStart', actions: 'retireFailedStart' },
          { guard: 'isFailedStart', target: 'terminating.aborting', actions: 'beginAbort' },
          { actions: 'deferEvent' },
        ],
        'sup.plan.complete': { target: 'running', actions: 'notifyParentReady' },
        'rosey.shutdown': { target: 'terminating.stopping', actions: 'beginShutdown' },
        'supervisor.start_child': { actions: 'deferEvent' },
        'supervisor.restart_child': { actions: 'deferEvent' },
        'supervisor.terminate_child': { actions: 'deferEvent' },
        'supervisor.delete_child': { actions: 'deferEvent' },
        'sup.restart_due': { actions: 'deferEvent' },
      },
    },
    running: {
      entry: 'replayDeferred',
      on: {
        'sup.exit': [
          { guard: 'isStale' },
          {
            guard: and(['needsRestart', 'countsAtCrash', 'intensityExceeded']),
            target: 'terminating.escalating',
            actions: 'escalateAtCrash',
          },
          { guard: 'needsRestart', target: 'restarting', actions: 'handleExit' },
          { actions: 'handleExit' },
        ],
        'sup.restart_due': [
          {
            guard: and(['isRestartDue', 'isUncounted', 'intensityExceeded']),
            target: 'terminating.escalating',
            actions: 'beginEscalation',
          },
          { guard: 'isRestartDue', target: 'restarting', actions: 'beginGroupStart' },
        ],
        'supervisor.start_child': [
          { guard: 'canStartChild', target: 'restarting', actions: 'beginStartChild' },
          { actions: 'refuse' },
        ],
        'supervisor.restart_child': [
          { guard: 'canRestartChild', target: 'restarting', actions: 'beginRestartChild' },
          { actions: 'refuse' },
        ],
        'supervisor.terminate_child': [
          { guard: 'hasChild', target: 'restarting', actions: 'beginTerminate' },
          { actions: 'refuse' },
        ],
        'supervisor.delete_child': { actions: 'deleteChild' },
        'rosey.shutdown': { target: 'terminating.stopping', actions: 'beginShutdown' },
      },
    },
    restarting: {
      on: {
        'sup.exit': [
          { guard: 'isStale' },
          { guard: 'isFailedRestartChild', actions: 'failRestartChild' },
          { guard: 'isFailedDynamicStart', actions: 'retireFailedStart' },
          {
            guard: and(['isFailedStart', 'countsAtCrash', 'intensityExceeded']),
            target: 'terminating.escalating',
            actions: 'escalateAtCrash',
          },
          { guard: 'isFailedStart', actions: 'abortRestartPlan' },
          { guard: 'isStopping', actions: 'onStopped' },
          { actions: 'deferEvent' },
        ],
        'sup.plan.complete': 'running',
        'rosey.shutdown': { target: 'terminating.stopping', actions: 'beginShutdown' },
        'supervisor.start_child': { actions: 'deferEvent' },
        'supervisor.restart_child': { actions: 'deferEvent' },
        'supervisor.terminate_child': { actions: 'deferEvent' },
        'supervisor.delete_child': { actions: 'deferEvent' },
        'sup.restart_due': { actions: 'deferEvent' },
      },
    },
    terminating: {
      initial: 'stopping',
      on: {
        'sup.exit': [{ guard: 'isStale' }, { actions: 'onStopped' }],
        'supervisor.start_child': { actions: 'refuse' },
        'supervisor.restart_child': { actions: 'refuse' },
        'supervisor.terminate_child': { actions: 'refuse' },
        'supervisor.delete_child': { actions: 'refuse' },
      },
      states: {
        stopping: { on: { 'sup.plan.complete': '#supervisor.stopped' } },
        escalating: { on: { 'sup.plan.complete': '#supervisor.failed' } },
        aborting: { on: { 'sup.plan.complete': '#supervisor.failed' } },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});
