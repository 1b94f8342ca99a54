import type { AnyActorLogic, AnyActorRef, EventObject } from 'xstate';
import type { LogFields } from './supervisor-logger.js';
import { backoffDelay, backoffResetAfter } from './backoff.js';
import { dict } from './dict.js';
import type { ChildInfo } from './child-protocol.js';
import { describeExitWith, isNormalExit, type ExitReason } from './exit-reason.js';
import { addRestart } from './restart-intensity.js';
import { restartGroup } from './restart-group.js';
import type {
  ChildRecord,
  ChildResultEvent,
  Purpose,
  RequestOp,
  Step,
  SupervisorContext,
  SupervisorEvent,
} from './supervisor-state.js';

/** A side effect the machine performs after committing the new context, in order. */
export type Effect =
  | { kind: 'spawn'; actorId: string; logic: AnyActorLogic; input: unknown }
  | { kind: 'send'; actorId: string; event: EventObject }
  | { kind: 'kill'; actorId: string }
  | { kind: 'timer'; timerId: string; event: SupervisorEvent; delayMs: number }
  | { kind: 'cancel'; timerId: string }
  | { kind: 'raise'; event: SupervisorEvent }
  | { kind: 'reply'; to: AnyActorRef; event: ChildResultEvent }
  | { kind: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string; fields?: LogFields };

const startTimer = (actorId: string) => `start:${actorId}`;
const killTimer = (actorId: string) => `kill:${actorId}`;
const restartTimer = (id: string) => `restart:${id}`;

/**
 * How many `failed` records a dynamic supervisor keeps for `rosey status`: OTP forgets a finished
 * child at once, Rosey keeps the latest failures so an operator sees which plugin gave up and why,
 * but never an unbounded list of them.
 */
export const FAILED_KEPT = 16;

/** Statuses in which a child has a live actor. */
export const ALIVE: ReadonlySet<ChildRecord['status']> = new Set(['starting', 'running', 'stopping']);

/**
 * One supervisor decision: a private copy of the context to edit, plus the effects to run once the
 * copy is committed. The machine creates one per event, so each decision is all-or-nothing.
 */
export class SupervisorTx {
  readonly ctx: SupervisorContext;
  readonly effects: Effect[] = [];

  constructor(context: SupervisorContext) {
    this.ctx = {
      ...context,
      order: [...context.order],
      records: dict(Object.entries(context.records).map(([id, r]) => [id, { ...r }] as const)),
      restartLog: [...context.restartLog],
      plan: [...context.plan],
      deferred: [...context.deferred],
      groups: dict(
        Object.entries(context.groups).map(([id, g]) => [id, { ...g, start: [...g.start] }] as const),
      ),
      requesters: dict(Object.entries(context.requesters)),
    };
  }

  record(id: string): ChildRecord {
    const record = this.ctx.records[id];
    if (!record) throw new Error(`supervisor ${this.ctx.name}: no child '${id}'`);
    return record;
  }

  findByActor(actorId: string): ChildRecord | undefined {
    return Object.values(this.ctx.records).find((r) => r.actorId === actorId);
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: LogFields): void {
    this.effects.push({ kind: 'log', level, msg, fields });
  }

  /** Starts a new plan; the caller must also enter the matching busy state. */
  beginPlan(purpose: Purpose, steps: Step[]): void {
    this.ctx.purpose = purpose;
    this.ctx.plan = steps;
    this.ctx.step = undefined;
    this.advance();
  }

  /** Runs plan steps until one has to wait for a child; raises `sup.plan.complete` at the end. */
  advance(): void {
    for (;;) {
      if (this.ctx.step && this.stepWaiting(this.ctx.step)) return;
      this.ctx.step = this.ctx.plan.shift();
      const step = this.ctx.step;
      if (!step) {
        this.effects.push({ kind: 'raise', event: { type: 'sup.plan.complete' } });
        return;
      }
      if (step.op === 'start') for (const id of step.ids) this.startChild(id);
      else for (const id of step.ids) this.requestStop(id);
    }
  }

  private stepWaiting(step: Step): boolean {
    const waitFor = step.op === 'start' ? 'starting' : 'stopping';
    return step.ids.some((id) => this.ctx.records[id]?.status === waitFor);
  }

  private startChild(id: string): void {
    const record = this.ctx.records[id];
    if (!record || ALIVE.has(record.status)) return;
    record.incarnation += 1;
    record.actorId = `${id}:${record.incarnation}`;
    record.status = 'starting';
    record.info = undefined;
    // Not ready (healthy) until this incarnation says so: the backoff reset and the uptime must not
    // count from an earlier one.
    record.readyAt = undefined;
    record.startedAt = undefined;
    this.effects.push({
      kind: 'spawn',
      actorId: record.actorId,
      logic: record.spec.logic,
      input: record.spec.input,
    });
    if (record.spec.readyOn === 'spawn') {
      this.markReady(record);
      return;
    }
    if (record.spec.startTimeoutMs !== 'infinity') {
      this.effects.push({
        kind: 'timer',
        timerId: startTimer(record.actorId),
        event: { type: 'sup.start_timeout', actorId: record.actorId },
        delayMs: record.spec.startTimeoutMs,
      });
    }
  }

  markReady(record: ChildRecord, info?: ChildInfo): void {
    record.status = 'running';
    record.startedAt = Date.now();
    record.readyAt = this.ctx.now();
    if (info) record.info = info;
    if (record.actorId) this.effects.push({ kind: 'cancel', timerId: startTimer(record.actorId) });
    this.log('debug', `child ${record.spec.id} started`, { supervisor: this.ctx.name });
    this.reply(record.spec.id, 'start_child', true);
    this.reply(record.spec.id, 'restart_child', true);
  }

  /** OTP `shutdown/1`: brutal_kill at once, otherwise ask and arm the kill timer. */
  private requestStop(id: string): void {
    const record = this.ctx.records[id];
    if (!record?.actorId || !ALIVE.has(record.status) || record.status === 'stopping') return;
    this.effects.push({ kind: 'cancel', timerId: startTimer(record.actorId) });
    if (record.spec.shutdown === 'brutal_kill') {
      this.kill(record, { shutdown: 'brutal_kill' });
      this.afterStopped(record);
      return;
    }
    record.status = 'stopping';
    this.effects.push({ kind: 'send', actorId: record.actorId, event: { type: 'rosey.shutdown' } });
    if (record.spec.shutdown !== 'infinity') {
      this.effects.push({
        kind: 'timer',
        timerId: killTimer(record.actorId),
        event: { type: 'sup.kill_timeout', actorId: record.actorId },
        delayMs: record.spec.shutdown,
      });
    }
  }

  kill(record: ChildRecord, reason: ExitReason): void {
    if (record.actorId) this.effects.push({ kind: 'kill', actorId: record.actorId });
    this.markStopped(record, reason);
  }

  /** The start and kill timers of the current incarnation are of no use once it has ended. */
  clearTimers(record: ChildRecord): void {
    if (!record.actorId) return;
    this.effects.push({ kind: 'cancel', timerId: killTimer(record.actorId) });
    this.effects.push({ kind: 'cancel', timerId: startTimer(record.actorId) });
  }

  /** A child that was being stopped (or is being stopped by a shutdown plan) has ended. */
  markStopped(record: ChildRecord, reason: ExitReason, failure?: string): void {
    this.clearTimers(record);
    record.status = 'stopped';
    this.noteExit(record, reason, failure);
  }

  noteExit(record: ChildRecord, reason: ExitReason, failure?: string): void {
    record.lastExit =
      failure === undefined ? { reason, at: Date.now() } : { reason, at: Date.now(), failure };
  }

  /**
   * OTP's `add_restart`, at the moment OTP calls it: the restart is recorded and the answer is
   * whether it exceeds the intensity.
   */
  countRestart(): boolean {
    const check = addRestart(this.ctx.restartLog, this.ctx.now(), this.ctx.intensity, this.ctx.period);
    this.ctx.restartLog = check.log;
    return check.exceeded;
  }

  /**
   * Keeps a dynamic supervisor's child as `failed` for `rosey status`; beyond `FAILED_KEPT` failed
   * children the oldest failure is forgotten.
   */
  markFailed(record: ChildRecord): void {
    record.status = 'failed';
    const failed = this.ctx.order
      .map((id) => this.ctx.records[id])
      .filter((r): r is ChildRecord => r?.status === 'failed')
      .sort((a, b) => (a.lastExit?.at ?? 0) - (b.lastExit?.at ?? 0));
    for (const old of failed.slice(0, Math.max(0, failed.length - FAILED_KEPT))) this.remove(old.spec.id);
  }

  /** Forget a child (OTP `del_child` for temporary children, `terminate_child` on dynamic ones). */
  remove(id: string): void {
    delete this.ctx.records[id];
    this.ctx.order = this.ctx.order.filter((x) => x !== id);
    this.effects.push({ kind: 'cancel', timerId: restartTimer(id) });
  }

  /**
   * Records a crash-or-exit that needs no restart. As in OTP, a temporary child disappears, and a
   * dynamic supervisor forgets every child that ended; except that a dynamic supervisor keeps a
   * temporary child that crashed or gave up as `failed`, so `rosey status` shows it (bounded).
   */
  retire(record: ChildRecord, reason: ExitReason, failure?: string): void {
    const { id } = record.spec;
    this.noteExit(record, reason, failure);
    const failedForGood = !isNormalExit(reason) || failure !== undefined;
    if (this.ctx.dynamic && record.spec.restart === 'temporary' && failedForGood) {
      this.log('error', `${id} failed and will not be restarted: ${describeExitWith(reason, failure)}`, {
        supervisor: this.ctx.name,
      });
      this.markFailed(record);
    } else if (this.ctx.dynamic || record.spec.restart === 'temporary') {
      this.remove(id);
    } else {
      record.status = 'stopped';
    }
  }

  /**
   * A child died and must be restarted: stop the siblings its strategy takes down now, then schedule
   * the restart after the child's backoff delay (immediately without backoff). `counted`: the caller
   * has counted it against the intensity already (OTP does at the crash); a backoff restart is
   * counted when it is attempted (`sup.restart_due`).
   */
  scheduleRestart(record: ChildRecord, counted: boolean): Step[] {
    const { id } = record.spec;
    const group = restartGroup(
      this.ctx.strategy,
      this.ctx.order,
      id,
      (x) => this.ctx.records[x]?.spec.restart === 'temporary',
    );
    // A sibling already waiting for its own restart joins this group instead (its restart was never
    // attempted, so it is not counted).
    for (const sibling of group.start) {
      if (sibling !== id && this.ctx.groups[sibling] !== undefined) {
        delete this.ctx.groups[sibling];
        this.effects.push({ kind: 'cancel', timerId: restartTimer(sibling) });
      }
    }
    const healthyFor = record.readyAt === undefined ? 0 : this.ctx.now() - record.readyAt;
    const backoff = record.spec.backoff;
    this.clearTimers(record);
    if (backoff && healthyFor >= backoffResetAfter(backoff)) record.attempt = 0;
    const delayMs = backoff ? backoffDelay(record.attempt, backoff, this.ctx.random) : 0;
    record.attempt += 1;
    record.status = 'restarting';
    const due: SupervisorEvent = { type: 'sup.restart_due', id };
    if (delayMs > 0) {
      this.effects.push({ kind: 'timer', timerId: restartTimer(id), event: due, delayMs });
      this.log('info', `restarting ${id} in ${delayMs} ms`, { supervisor: this.ctx.name });
    } else {
      this.effects.push({ kind: 'raise', event: due });
    }
    this.ctx.groups[id] = { start: group.start, counted };
    // Siblings go down one at a time in reverse start order, as in OTP's terminate_children.
    return group.stop.map((sibling) => ({ op: 'stop' as const, ids: [sibling] }));
  }

  /** terminate_child of a static child that is down: it stays down, its pending restart called off. */
  keepStopped(record: ChildRecord): void {
    const { id } = record.spec;
    record.status = 'stopped';
    this.effects.push({ kind: 'cancel', timerId: restartTimer(id) });
    for (const group of Object.values(this.ctx.groups)) group.start = group.start.filter((x) => x !== id);
  }

  /** After a stop: a group sibling waits for the group restart; a temporary child is forgotten. */
  afterStopped(record: ChildRecord): void {
    const { id } = record.spec;
    if (this.ctx.purpose === 'terminate') {
      this.reply(id, 'terminate_child', true);
      // OTP terminate_child keeps a static child's spec, except a temporary child's (it could never
      // be restarted); a dynamic supervisor forgets the child.
      if (this.ctx.dynamic || record.spec.restart === 'temporary') this.remove(id);
      return;
    }
    if (Object.values(this.ctx.groups).some((g) => g.start.includes(id))) record.status = 'restarting';
    // OTP's terminate_children forgets a temporary child it stopped: it is never started again.
    else if (record.spec.restart === 'temporary') this.remove(id);
  }

  /** Tells whoever asked to start or terminate `id` how it went (if anyone asked for `op`). */
  reply(id: string, op: RequestOp, ok: boolean, error?: string): void {
    const request = this.ctx.requesters[id];
    if (!request || request.op !== op) return;
    delete this.ctx.requesters[id];
    const { to } = request;
    this.effects.push({
      kind: 'reply',
      to,
      event:
        error === undefined
          ? { type: 'supervisor.result', op, id, ok }
          : { type: 'supervisor.result', op, id, ok, error },
    });
  }

  cancelRestartTimers(): void {
    for (const id of this.ctx.order) this.effects.push({ kind: 'cancel', timerId: restartTimer(id) });
  }

  /** Ids with a live actor, in reverse start order (OTP terminate order). */
  aliveReversed(): string[] {
    return [...this.ctx.order].reverse().filter((id) => {
      const r = this.ctx.records[id];
      return r !== undefined && ALIVE.has(r.status);
    });
  }

  /** Shutdown steps: one at a time in reverse order, or all at once for dynamic supervisors. */
  stopAllSteps(): Step[] {
    const ids = this.aliveReversed();
    if (ids.length === 0) return [];
    return this.ctx.dynamic ? [{ op: 'stop', ids }] : ids.map((id) => ({ op: 'stop' as const, ids: [id] }));
  }
}
