import type { z } from '../../contract/zod.js';
import { migrateReplies } from '../../contract/messages/migrations.js';
import {
  doneReplySchema,
  healthReplySchema,
  snapshotReplySchema,
  type Generation,
} from '../../contract/messages/plugins.js';
import { drainReplySchema, holdReplySchema, routeReplySchema } from '../../contract/messages/router.js';
import { eventFiguresSchema } from '../../contract/messages/plugin-events.js';
import { checkReply } from '../../contract/request.js';
import { ok, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';

/** The part of the reload's context its requests are made of. */
export interface RequestContext {
  input: {
    plugin: string;
    blue: Generation;
    green: Generation;
    timing: { healthTimeoutMs: number; drainTimeoutMs: number; migrateTimeoutMs: number };
  };
  /** Blue's snapshot, on its way to green. */
  state?: unknown;
}

/** What a successful reply adds to the reload's context. */
export interface Kept {
  state?: unknown;
  switchedAt?: number;
  drained?: number;
}

export interface BusAsk {
  subject: string;
  data: unknown;
  /** Default: the health timeout. */
  timeoutMs?: number;
}

function request<S extends z.ZodType>(
  ask: (context: RequestContext) => BusAsk,
  reply: S,
  keep?: (reply: z.output<S>) => Kept,
) {
  return {
    ask,
    /** A reply that does not match its schema fails the step as an error answer would. */
    read(context: RequestContext, result: Result<unknown>): Result<Kept> {
      const checked = checkReply(ask(context).subject, reply, result);
      return checked.ok ? ok(keep?.(checked.data) ?? {}) : checked;
    },
  };
}

const routeTo =
  (generation: 'blue' | 'green') =>
  ({ input }: RequestContext): BusAsk => ({
    subject: subjects.routerRoute,
    data: { plugin: input.plugin, generation: input[generation].generation },
  });

const drainBlue = ({ input }: RequestContext): BusAsk => ({
  subject: subjects.routerDrain,
  data: { plugin: input.plugin, generation: input.blue.generation },
  timeoutMs: input.timing.drainTimeoutMs,
});

/**
 * What a blue-green reload asks on the bus, one entry a step: the request, the contract's schema of
 * its reply where there is one, and what the reload keeps of a success. A step's name is also its
 * request id, so an answer to an earlier step (green went down while it was pending) cannot move a
 * later one on.
 */
export const requests = {
  pin: request(routeTo('blue'), routeReplySchema),
  migrate: request(
    ({ input }) => ({
      subject: subjects.migrate(input.plugin, 'apply'),
      data: { actor: 'rosey (reload)' },
      timeoutMs: input.timing.migrateTimeoutMs,
    }),
    migrateReplies.apply,
  ),
  health: request(
    ({ input }) => ({ subject: subjects.pluginHealth(input.plugin, input.green.generation), data: {} }),
    healthReplySchema,
  ),
  hold: request(
    ({ input: { plugin, timing } }) => ({
      subject: subjects.routerHold,
      // Blue's drain, its snapshot (a drain of its events), green's health and restore, the switch.
      data: { plugin, maxMs: 2 * timing.drainTimeoutMs + 3 * timing.healthTimeoutMs + 5000 },
    }),
    holdReplySchema,
  ),
  'drain-blue': request(drainBlue, drainReplySchema),
  // Blue first handles the channel events it has queued (up to `eventQueue` of them), so its snapshot
  // holds every one: that is a drain too, and gets the drain's time. With the health timeout (2 s)
  // a reload failed whenever the chat was busy (chat-stats at 300 lines/s on two cores).
  snapshot: request(
    ({ input }) => ({
      subject: subjects.pluginSnapshot(input.plugin, input.blue.generation),
      data: {},
      timeoutMs: input.timing.drainTimeoutMs,
    }),
    snapshotReplySchema,
    (reply) => ({ state: reply.state }),
  ),
  restore: request(
    ({ input, state }) => ({
      subject: subjects.pluginRestore(input.plugin, input.green.generation),
      data: { state: state ?? null },
    }),
    doneReplySchema,
  ),
  release: request(
    ({ input }) => ({ subject: subjects.routerRelease, data: { plugin: input.plugin } }),
    doneReplySchema,
  ),
  // A failed hand-off: blue hears the events again (answered once it has subscribed), …
  'resume-blue': request(
    ({ input }) => ({
      subject: subjects.pluginEvents(input.plugin, input.blue.generation),
      data: { op: 'resume' },
    }),
    eventFiguresSchema,
  ),
  // … then green stops hearing them and handles those it held for its restore, before it is
  // stopped. Its stop's grace (3 s) once cut this short under load, and the rest were lost: NATS had
  // given them to green alone (test/plugins/reload-events.test.ts, a failed hand-off). A drain's time.
  'green-events': request(
    ({ input }) => ({
      subject: subjects.pluginEvents(input.plugin, input.green.generation),
      data: { op: 'release' },
      timeoutMs: input.timing.drainTimeoutMs,
    }),
    eventFiguresSchema,
  ),
  switch: request(routeTo('green'), routeReplySchema, (reply) => ({
    switchedAt: performance.now(),
    drained: reply.inFlight,
  })),
  drain: request(drainBlue, drainReplySchema),
  'route-back': request(routeTo('blue'), routeReplySchema),
  unpin: request(
    ({ input }) => ({ subject: subjects.routerUnpin, data: { plugin: input.plugin } }),
    doneReplySchema,
  ),
};

export type Step = keyof typeof requests;
export const isStep = (id: string): id is Step => Object.hasOwn(requests, id);
