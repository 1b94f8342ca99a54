import { assertEvent, assign, enqueueActions, fromCallback, setup, type AnyActorRef } from 'xstate';
import { z } from '../../contract/zod.js';
import type { Logger } from '../../contract/log.js';
import { connectorStateSchema } from '../../contract/messages/connector-state.js';
import { healthReplySchema } from '../../contract/messages/plugins.js';
import { errorMessage, ok } from '../../contract/result.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import { subjects } from '../../contract/subjects.js';
import { validate } from '../../contract/validate.js';
import { describeTree } from '../../supervisors/describe-tree.js';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type BusResponseEvent,
  type InboundEvent,
  type RequestEvent,
} from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { Tally, TallyEvent } from '../tally/tally.js';
import type { MetricsLink } from './metrics-link.js';
import { MetricsStore } from './metrics-store.js';
import { samplerActor, type SamplerEvent } from './sampler.actor.js';
import { readTree } from './tree-reading.js';

export interface MetricsInput {
  link: BusLink;
  logger: Logger;
  /** Where the HTTP actor finds this actor's store while it runs. */
  metrics: MetricsLink;
  /** What the router, storage and the connectors tell of what they did, in this process. */
  tally: Tally;
  /** System id of the root supervisor, whose tree holds restarts, plugins and connectors. */
  rootSystemId: string;
  /** `metrics.intervalMs`: how often it samples. */
  intervalMs: number;
  /** `metrics.windowMs`: how much history it keeps. */
  windowMs: number;
  /** A plugin's memory limit (manifest or config), for the memory alert. */
  memoryLimitMb?: (plugin: string) => number | undefined;
}

interface MetricsContext {
  input: MetricsInput;
  store: MetricsStore;
  nextRequest: number;
  /** Why it stopped, when a count threw: its supervisor restarts it with a fresh store. */
  failure?: string;
}

/** What a sample's request was for, handed back with its `bus.response`. */
type Asked = { kind: 'health'; plugin: string } | { kind: 'connector'; connector: string };

type MetricsEvent =
  | InboundEvent<'metrics.violation', { plugin: string; source: string }>
  | { type: 'metrics.listenerFailed'; error: unknown }
  | RequestEvent<'metrics.current', Record<string, unknown>>
  | SamplerEvent
  | BusResponseEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

/** Adds one tally event to the store. */
function countTally(store: MetricsStore, event: TallyEvent): void {
  switch (event.type) {
    case 'chat.line':
      return store.chatLine(event.platform);
    case 'line.sent':
      return store.sent(event.platform, event.kind);
    case 'command':
      return store.command(event.outcome);
    case 'storage':
      return store.storageRequest(event.outcome);
  }
}

/**
 * Counts what the router, storage and connectors tell, straight into the store (no event per line:
 * the count is all there is to do). Attached while the actor runs; a count that throws crashes the
 * actor, whose supervisor restarts it with a fresh store.
 */
const tallyListener = fromCallback<{ type: 'never' }, { tally: Tally; store: MetricsStore }>(
  ({ input, sendBack }) =>
    input.tally.attach(
      (event) => countTally(input.store, event),
      (error) => sendBack({ type: 'metrics.listenerFailed', error }),
    ),
);

/** Publishes the store on the metrics link while the actor runs, and takes it back when it stops. */
const storeLink = fromCallback<{ type: 'never' }, { metrics: MetricsLink; store: MetricsStore }>(
  ({ input }) => {
    input.metrics.set(input.store);
    return () => input.metrics.clear(input.store);
  },
);

const isAsked = (value: unknown): value is Asked =>
  typeof value === 'object' && value !== null && 'kind' in value;

/**
 * The metrics actor (docs/metrics.md). It counts what the router, storage and the connectors tell
 * in this process (chat lines, command outcomes, storage requests, lines sent: `tally`), the
 * security violations on the bus, and every `intervalMs` samples the main process, the NATS
 * connection, and the supervision tree (restarts, reloads, plugins, connectors); each running
 * plugin reports its own process's figures in its health reply, and CyTube its outbound queue in
 * its state reply. A restart of this actor loses the counts it held and nothing else.
 */
export const metricsMachine = setup({
  types: {
    input: {} as MetricsInput,
    context: {} as MetricsContext,
    events: {} as MetricsEvent,
    output: {} as { exit: ExitReason },
  },
  actors: { bus: busBridge, sampler: samplerActor, storeLink, tallyListener },
  actions: {
    count: enqueueActions(({ context, event }) => {
      const { store } = context;
      switch (event.type) {
        case 'metrics.violation':
          return store.violation(event.data.plugin, event.data.source);
        case 'metrics.reconnect':
          return store.reconnected();
      }
    }),
    sample: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, 'metrics.tick');
      const { store, input } = context;
      store.sample(event.at, event.main, event.nats);
      const root = system.get(input.rootSystemId) as AnyActorRef | undefined;
      if (!root) return;
      const reading = readTree(describeTree(root));
      store.tree(reading);
      let next = context.nextRequest;
      const ask = (subject: string, asked: Asked) =>
        enqueue.sendTo('bus', {
          type: 'bus.request',
          subject,
          data: {},
          // An answer later than the next sample is no use to this one.
          timeoutMs: Math.min(input.intervalMs, 3000),
          requestId: `m${next++}`,
          context: asked,
        } satisfies BridgeCommand);
      for (const plugin of reading.plugins)
        if (plugin.status === 'running' && plugin.generation !== undefined)
          ask(subjects.pluginHealth(plugin.name, plugin.generation), { kind: 'health', plugin: plugin.name });
      for (const connector of reading.connectors)
        if (connector.name === 'cytube')
          ask(subjects.platformState(connector.name), { kind: 'connector', connector: connector.name });
      enqueue.assign({ nextRequest: next });
    }),
    answered: enqueueActions(({ context, event }) => {
      assertEvent(event, 'bus.response');
      if (!isAsked(event.context) || !event.result.ok) return;
      const asked = event.context;
      if (asked.kind === 'health') {
        const reply = validate(healthReplySchema, event.result.data);
        if (reply.ok)
          context.store.plugin(
            asked.plugin,
            reply.data.process ?? { rss: reply.data.rss },
            reply.data.events,
          );
        return;
      }
      const state = validate(connectorStateSchema.pick({ queued: true }), event.result.data);
      if (state.ok) context.store.connectorQueued(asked.connector, state.data.queued);
    }),
    answerCurrent: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, 'metrics.current');
      // The tree as it is now, not as the last sample saw it: a plugin started since then is listed
      // (its process figures come with the next sample).
      const root = system.get(context.input.rootSystemId) as AnyActorRef | undefined;
      if (root) context.store.tree(readTree(describeTree(root)));
      enqueue.sendTo('bus', {
        type: 'bus.reply',
        replyId: event.replyId,
        result: ok(context.store.current()),
      } satisfies BridgeCommand);
    }),
  },
}).createMachine({
  id: 'metrics',
  context: ({ input }) => ({
    input,
    store: new MetricsStore(input.intervalMs, input.windowMs, input.memoryLimitMb),
    nextRequest: 0,
  }),
  invoke: [
    {
      id: 'bus',
      src: 'bus',
      input: ({ context }) =>
        bridgeInput(context.input, {
          subscriptions: [
            {
              subject: subjects.securityViolation,
              event: 'metrics.violation',
              schema: z.looseObject({ plugin: z.string(), source: z.string() }),
            },
          ],
          services: [
            { subject: subjects.metricsCurrent, event: 'metrics.current', schema: z.looseObject({}) },
          ],
        }),
    },
    {
      id: 'sampler',
      src: 'sampler',
      input: ({ context }) => ({ link: context.input.link, intervalMs: context.input.intervalMs }),
    },
    {
      id: 'tally',
      src: 'tallyListener',
      input: ({ context }) => ({ tally: context.input.tally, store: context.store }),
    },
    {
      id: 'storeLink',
      src: 'storeLink',
      input: ({ context }) => ({ metrics: context.input.metrics, store: context.store }),
    },
  ],
  initial: 'running',
  states: {
    running: {
      on: {
        'metrics.violation': { actions: 'count' },
        'metrics.reconnect': { actions: 'count' },
        'metrics.listenerFailed': {
          target: 'failed',
          actions: assign({
            failure: ({ event }) => `a count failed: ${errorMessage(event.error)}`,
          }),
        },
        'metrics.tick': { actions: 'sample' },
        'bus.response': { actions: 'answered' },
        'metrics.current': { actions: 'answerCurrent' },
        'rosey.shutdown': 'stopped',
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }) => ({
    exit: context.failure === undefined ? 'shutdown' : { error: context.failure },
  }),
});
