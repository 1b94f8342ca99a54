import type { AnyActorRef, AnyEventObject, InspectionEvent } from 'xstate';
import type {
  InspectedEvent,
  InspectMessage,
  WatchDetail,
  WatchReply,
} from '../../contract/messages/inspect.js';
import { stateText } from '../../supervisors/describe-tree.js';
import { actorPath, isWithin, machineOf } from './actor-paths.js';
import type { Redactor } from './summary.js';
import { TransitionHistory } from './transition-history.js';

/**
 * A transition as kept for late joiners: strings and the state value, nothing turned into JSON.
 * The event is kept by its type alone: holding the event objects themselves kept alive whatever
 * they carried (a stopped actor's output, an error and what it references), and a storage crash
 * loop then never recovered in test/app/tree.test.ts.
 */
interface Recorded {
  seq: number;
  at: number;
  kind: 'started' | 'snapshot' | 'stopped';
  eventType?: string;
  state?: string;
  from?: string;
  transition?: boolean;
  value?: unknown;
  status?: InspectMessage['status'];
}

/** What the tap knows of an actor it has seen; `undefined` in the cache: one it does not report. */
interface Seen {
  path: string;
  /** Its subject, made once (each watched message goes out on it). */
  subject: string;
  machine: boolean;
  /** Its state when last seen, to tell a transition from a snapshot that only changed context. */
  state?: string;
  stopped: boolean;
  /** The context last published: XState keeps the same object until an action assigns. */
  context?: unknown;
}

export interface TapOptions {
  /** The inspect actor itself: it and its children are not reported (their publishes would loop). */
  self: AnyActorRef;
  rootName: string;
  redactor: Redactor;
  leaseMs: number;
  historyPerActor: number;
  historyActors: number;
  /** Sends one message (an InspectMessage as JSON); the tap never waits for it. */
  publish: (subject: string, json: string) => void;
  subject: (path: string) => string;
  /**
   * How long messages wait to go out together (ms). 0: after the step that made them. More gathers
   * the messages of several steps (a command's are spread over three or four turns of the event
   * loop) into one socket write, which costs far more than the messages' own encoding.
   */
  flushMs?: number;
  onError?: (error: unknown) => void;
}

const STATUSES = new Set(['active', 'done', 'error', 'stopped']);

/** Messages waiting for the end of the current step (see `send`). */
const MAX_QUEUED = 10_000;

/**
 * The observer XState calls for everything any actor of the tree does (`system.inspect`), and the
 * watch leases that decide whether it is published. Nobody watching, it only keeps transitions
 * (state changes, starts, stops) in the history, as the objects XState gave it: no summary, no
 * JSON, no publish. Watched, each started/event/snapshot/stopped becomes a redacted message on the
 * actor's subject; watched by `transitions` leases only, just what it keeps in the history, sent as
 * its history entries are. It runs inside other actors' steps, so nothing it does may throw.
 */
export class InspectTap {
  private readonly seen = new WeakMap<AnyActorRef, Seen | null>();
  /** Each watcher's lease: until when, and what it asked for. */
  private readonly leases = new Map<string, { until: number; detail: WatchDetail }>();
  readonly history: TransitionHistory<Recorded>;
  private seq = 0;
  /** What is published: the most any lease asks for; undefined while nobody watches. */
  private detail: WatchDetail | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private queue: [string, () => string][] = [];
  private flushing = false;
  private flushTimer: NodeJS.Timeout | undefined;
  /**
   * Each event's summary and its JSON, made once: an actor's `event` message and the `snapshot`
   * message of the step it caused show the same event (and one event may reach several actors).
   */
  private readonly events = new WeakMap<AnyEventObject, { event: InspectedEvent; json: string }>();

  constructor(private readonly o: TapOptions) {
    this.history = new TransitionHistory<Recorded>(o.historyPerActor, o.historyActors);
  }

  /** For `system.inspect`. */
  readonly observe = (e: InspectionEvent): void => {
    try {
      this.take(e);
    } catch (error) {
      this.o.onError?.(error);
    }
  };

  get watched(): boolean {
    return this.detail !== undefined;
  }

  /** Takes, renews (with what it asks for now: `all` unless told) or gives back a lease. */
  watch(
    watcher: string,
    { release = false, detail = 'all' }: { release?: boolean; detail?: WatchDetail } = {},
    now = Date.now(),
  ): WatchReply {
    if (release) this.leases.delete(watcher);
    else this.leases.set(watcher, { until: now + this.o.leaseMs, detail });
    this.expire(now);
    return {
      leaseMs: this.o.leaseMs,
      watchers: this.leases.size,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
    };
  }

  /** The actor's kept transitions as messages, oldest first. */
  historyOf(path: string): InspectMessage[] {
    return this.history.entries(path).map((r) => this.message(path, r));
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.detail = undefined;
    this.leases.clear();
    clearTimeout(this.leaseTimer);
    clearTimeout(this.flushTimer);
  }

  /** Drops expired leases and sets the one timer that will drop the next. */
  private expire(now: number): void {
    let next = Infinity;
    let detail: WatchDetail | undefined;
    for (const [watcher, lease] of this.leases) {
      if (lease.until <= now) this.leases.delete(watcher);
      else {
        next = Math.min(next, lease.until);
        if (detail !== 'all') detail = lease.detail;
      }
    }
    this.detail = this.closed ? undefined : detail;
    clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
    if (this.detail !== undefined) {
      this.leaseTimer = setTimeout(() => this.expire(Date.now()), next - now);
      this.leaseTimer.unref();
    }
  }

  private lookup(ref: AnyActorRef): Seen | null {
    let seen = this.seen.get(ref);
    if (seen === undefined) {
      if (isWithin(ref, this.o.self)) seen = null;
      else {
        const path = actorPath(ref, this.o.rootName);
        seen = { path, subject: this.o.subject(path), machine: machineOf(ref) !== undefined, stopped: false };
      }
      this.seen.set(ref, seen);
    }
    return seen;
  }

  private take(e: InspectionEvent): void {
    if (this.closed) return;
    switch (e.type) {
      case '@xstate.actor': {
        const seen = this.lookup(e.actorRef as AnyActorRef);
        if (!seen) return;
        this.keep(seen, { seq: this.seq++, at: Date.now(), kind: 'started' });
        return;
      }
      case '@xstate.event': {
        // Events are most of what a step makes, and a `transitions` watcher sees none of them.
        if (this.detail !== 'all') return;
        const seen = this.lookup(e.actorRef as AnyActorRef);
        if (!seen) return;
        const source = e.sourceRef ? this.lookup(e.sourceRef as AnyActorRef) : null;
        const seq = this.seq++;
        const at = Date.now();
        const event = e.event;
        this.send(seen, () => {
          const m: InspectMessage = { seq, at, actor: seen.path, kind: 'event' };
          if (source) m.source = source.path;
          return this.json(m, event);
        });
        return;
      }
      case '@xstate.snapshot':
        return this.snapshot(e.actorRef as AnyActorRef, e.event, e.snapshot);
    }
  }

  private snapshot(ref: AnyActorRef, event: AnyEventObject, snapshot: unknown): void {
    const seen = this.lookup(ref);
    if (!seen || seen.stopped) return;
    const s = snapshot as { status?: unknown; value?: unknown; context?: unknown };
    const status = (
      typeof s.status === 'string' && STATUSES.has(s.status) ? s.status : 'active'
    ) as Recorded['status'];
    const state = seen.machine ? stateText(s.value) : undefined;
    const from = seen.state;
    const changed = state !== from;
    const at = Date.now();
    if (status !== 'active') {
      seen.stopped = true;
      this.keep(seen, { seq: this.seq++, at, kind: 'stopped', eventType: event.type, status, state }, event);
      return;
    }
    if (changed) {
      seen.state = state;
      const recorded: Recorded = {
        seq: this.seq++,
        at,
        kind: 'snapshot',
        eventType: event.type,
        state,
        transition: true,
        value: s.value,
        status,
      };
      if (from !== undefined) recorded.from = from;
      this.history.record(seen.path, recorded);
      if (this.detail === 'all') {
        const context = this.newContext(seen, s.context);
        this.send(seen, () => this.json(this.fields(seen.path, recorded), event, context));
      } else if (this.detail === 'transitions') this.sendEntry(seen, recorded);
      return;
    }
    if (this.detail !== 'all') return;
    const recorded: Recorded = { seq: this.seq++, at, kind: 'snapshot', state, value: s.value, status };
    const context = this.newContext(seen, s.context);
    this.send(seen, () => this.json(this.fields(seen.path, recorded), event, context));
  }

  /** The context, unless it is the one this actor's last message carried (then it is not sent again). */
  private newContext(seen: Seen, context: unknown): unknown {
    if (context === undefined || context === seen.context) return undefined;
    seen.context = context;
    return context;
  }

  private keep(seen: Seen, recorded: Recorded, event?: AnyEventObject): void {
    this.history.record(seen.path, recorded);
    if (this.detail === 'all') this.send(seen, () => this.json(this.fields(seen.path, recorded), event));
    else if (this.detail === 'transitions') this.sendEntry(seen, recorded);
  }

  /**
   * For `transitions` watchers: the message as its history entry is, with no summary of the event
   * or the context to make. The context it leaves out is not counted as sent (`newContext`).
   */
  private sendEntry(seen: Seen, recorded: Recorded): void {
    this.send(seen, () => JSON.stringify(this.message(seen.path, recorded)));
  }

  /**
   * Summaries and JSON are made after the step that caused them (contexts and events are not
   * changed once made), so the actors' own work, a command's reply, goes out first. At most
   * MAX_QUEUED wait; past that, messages are dropped (a watcher falls behind, Rosey does not).
   */
  private send(seen: Seen, build: () => string): void {
    if (this.queue.length >= MAX_QUEUED) return;
    this.queue.push([seen.subject, build]);
    if (!this.flushing) {
      this.flushing = true;
      if (this.o.flushMs) this.flushTimer = setTimeout(this.flush, this.o.flushMs);
      else setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushing = false;
    this.flushTimer = undefined;
    const queued = this.queue;
    this.queue = [];
    if (this.closed) return;
    for (const [subject, build] of queued) {
      try {
        this.o.publish(subject, build());
      } catch (error) {
        this.o.onError?.(error);
      }
    }
  };

  private eventOf(event: AnyEventObject): { event: InspectedEvent; json: string } {
    let known = this.events.get(event);
    if (known) return known;
    const { type, ...rest } = event;
    const out: InspectedEvent = { type: this.o.redactor.text(String(type)) };
    // An actor's input comes with its first event; the context summary shows what it kept of it.
    if (type !== 'xstate.init' && Object.keys(rest).length > 0) out.data = this.o.redactor.summarise(rest);
    known = { event: out, json: JSON.stringify(out) };
    this.events.set(event, known);
    return known;
  }

  /**
   * A live message as JSON: `m` with the event's and the context's summaries put in as the JSON
   * they already are (the event's made once for all its messages, the context's fields once for as
   * long as they stay the same objects) rather than turned into JSON again with the message.
   */
  private json(m: InspectMessage, event?: AnyEventObject, context?: unknown): string {
    const json = JSON.stringify(m);
    if (!event && context === undefined) return json;
    let out = json.slice(0, -1);
    if (event) out += `,"event":${this.eventOf(event).json}`;
    if (context !== undefined) out += `,"context":${this.o.redactor.summariseContext(context)}`;
    return `${out}}`;
  }

  /** A kept transition as a message: its event by its type alone (the event itself is not kept). */
  private message(path: string, r: Recorded): InspectMessage {
    const m = this.fields(path, r);
    if (r.eventType !== undefined) m.event = { type: this.o.redactor.text(r.eventType) };
    return m;
  }

  /** A message of what was recorded, without its event. */
  private fields(path: string, r: Recorded): InspectMessage {
    const m: InspectMessage = { seq: r.seq, at: r.at, actor: path, kind: r.kind };
    if (r.state !== undefined) m.state = r.state;
    if (r.from !== undefined) m.from = r.from;
    if (r.transition) m.transition = true;
    if (r.value !== undefined) m.value = this.o.redactor.summarise(r.value);
    if (r.status) m.status = r.status;
    return m;
  }
}
