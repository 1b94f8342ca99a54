import type { Msg, NatsConnection, Subscription } from '../contract/nats.js';
import { eventQueue } from '../contract/capabilities.js';
import { decodeJson } from '../contract/envelope.js';
import type { Logger } from '../contract/log.js';
import {
  PLUGIN_EVENTS,
  PLUGIN_EVENT_NAMES,
  type EventFigures,
  type PluginEventName,
} from '../contract/messages/plugin-events.js';
import { errorMessage } from '../contract/result.js';
import { validate } from '../contract/validate.js';
import type { EventContext, EventHandlers } from './define-plugin.js';

interface Queued {
  name: PluginEventName;
  msg: Msg;
  kind?: string;
}

/** The longest delay `setTimeout` takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Logs the first of a run of like problems and then every `every`th, so a flood cannot flood the log. */
const worthLogging = (count: number, every = 100) => count === 1 || count % every === 0;

/**
 * A plugin process's channel events: subscribes to the events it has handlers for in the plugin's
 * queue group (so NATS gives each event to one generation only), keeps at most `limit` waiting and
 * counts what it drops, and runs the handlers one at a time, in order. A handler that throws is
 * logged and counted; nothing here ends the process.
 *
 * For a reload that hands state over it can be `held` (it hears, but handles nothing before the
 * new generation's `restore`), and `pause`d (the old generation stops hearing, finishes what it
 * has, then snapshots): between the two every event waits in the new generation's queue.
 */
export class EventIntake {
  private readonly queue: Queued[] = [];
  private subscriptions: Subscription[] = [];
  private running = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private readonly counts = { handled: 0, dropped: 0, failed: 0, timedOut: 0, invalid: 0 };

  constructor(
    private readonly o: {
      nc: NatsConnection;
      plugin: string;
      handlers: EventHandlers;
      context: (event: PluginEventName, payload: unknown) => EventContext;
      log: Logger;
      limit: number;
      /** One handler's time before it is reported as still running. */
      timeoutMs: number;
      held: boolean;
    },
  ) {}

  /** The events the plugin has handlers for. */
  get names(): PluginEventName[] {
    return PLUGIN_EVENT_NAMES.filter((n) => typeof this.o.handlers[n] === 'function');
  }

  /** Subscribes (again) to the plugin's events; nothing when it handles none, or once stopped. */
  listen(): void {
    // A subscription the server refused is closed: asked again, it is tried again.
    this.subscriptions = this.subscriptions.filter((s) => !s.isClosed());
    if (this.stopped || this.subscriptions.length > 0) return;
    for (const name of this.names) {
      const { capability, sources } = PLUGIN_EVENTS[name];
      for (const { subject, kind } of sources) {
        this.subscriptions.push(
          this.o.nc.subscribe(subject, {
            queue: eventQueue(this.o.plugin),
            callback: (error, msg) => {
              if (error) {
                // The server refused the subscription: the plugin was not granted the capability
                // (the nats-server actor reports the violation).
                this.o.log.error(
                  `cannot hear '${name}' events: ${error.message} (does the manifest ask for '${capability}'?)`,
                );
                return;
              }
              this.take({ name, msg, kind });
            },
          }),
        );
      }
    }
  }

  /** Stops hearing events (what the server already sent still arrives), and finishes those queued. */
  async pause(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    await Promise.allSettled(subscriptions.map((s) => s.drain()));
    await this.idle();
  }

  /** Handles what it holds, and what comes from now on. */
  release(): void {
    if (!this.o.held) return;
    this.o.held = false;
    void this.pump();
  }

  /** Stops for good: no more events; resolves once the queued ones are handled, or after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.release();
    await Promise.race([this.pause(), new Promise((done) => setTimeout(done, graceMs).unref())]);
  }

  /** Resolves when nothing is queued or running (or it is held: what it holds waits for `restore`). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((done) => this.idleWaiters.push(done));
  }

  figures(): EventFigures {
    return {
      listening: this.subscriptions.some((s) => !s.isClosed()),
      held: this.o.held,
      queued: this.queue.length,
      limit: this.o.limit,
      ...this.counts,
    };
  }

  private isIdle(): boolean {
    return this.o.held || (!this.running && this.queue.length === 0);
  }

  private take(item: Queued): void {
    if (this.queue.length >= this.o.limit) {
      this.counts.dropped += 1;
      if (worthLogging(this.counts.dropped))
        this.o.log.warn(
          `event queue full (${this.o.limit}): dropped a '${item.name}' event (${this.counts.dropped} so far)`,
        );
      return;
    }
    this.queue.push(item);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.running || this.o.held) return;
    this.running = true;
    try {
      for (let item = this.queue.shift(); item; item = this.o.held ? undefined : this.queue.shift()) {
        await this.handle(item);
      }
    } finally {
      this.running = false;
      if (this.isIdle()) for (const done of this.idleWaiters.splice(0)) done();
    }
  }

  private async handle({ name, msg, kind }: Queued): Promise<void> {
    const source = PLUGIN_EVENTS[name].sources.find((s) => s.subject === msg.subject);
    const decoded = decodeJson(msg.data);
    const checked = decoded.ok && source ? validate(source.schema, decoded.data) : decoded;
    if (!checked.ok || !source) {
      this.counts.invalid += 1;
      if (worthLogging(this.counts.invalid))
        this.o.log.warn(
          `ignored a '${name}' event on ${msg.subject}: ${checked.ok ? 'unexpected subject' : checked.error.message}`,
        );
      return;
    }
    const payload = kind ? { kind, ...(checked.data as object) } : checked.data;
    const handler = this.o.handlers[name] as (e: unknown, ctx: EventContext) => void | Promise<void>;
    // A handler that never settles (a request with no timeout of its own) holds every later event
    // in the queue: it is not abandoned (the next handler would run beside it, and a reload's
    // snapshot could be taken while it still changes the state), but said, once, so the operator
    // learns which plugin and which event before the queue fills and drops.
    const timer = setTimeout(
      () => {
        this.counts.timedOut += 1;
        if (worthLogging(this.counts.timedOut, 20))
          this.o.log.warn(
            `'${name}' handler still running after ${this.o.timeoutMs} ms: later events wait for it (${this.counts.timedOut} so far)`,
          );
      },
      Math.min(this.o.timeoutMs, MAX_TIMER_MS),
    ).unref();
    try {
      await handler(payload, this.o.context(name, payload));
      this.counts.handled += 1;
    } catch (error) {
      this.counts.failed += 1;
      if (worthLogging(this.counts.failed, 20))
        this.o.log.error(`'${name}' handler failed: ${errorMessage(error)} (${this.counts.failed} so far)`);
    } finally {
      clearTimeout(timer);
    }
  }
}
