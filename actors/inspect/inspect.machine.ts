import { enqueueActions, fromCallback, setup, type AnyActorRef } from 'xstate';
import { actorRequestSchema, watchRequestSchema } from '../../contract/messages/inspect.js';
import type { Logger } from '../../contract/log.js';
import { err, errorMessage, ok, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { z } from '../../contract/zod.js';
import { bridgeInput, busBridge, type BridgeCommand, type RequestEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import { listActors, machineOf } from './actor-paths.js';
import { InspectTap } from './inspect-tap.js';
import { activeNodeIds, machineChart } from './machine-chart.js';
import { Redactor } from './summary.js';

export interface InspectInput {
  link: BusLink;
  logger: Logger;
  /** System id of the root supervisor: the tree it lists and charts. */
  rootSystemId: string;
  /** What the root is called in actor paths (`rosey`). */
  rootName: string;
  /** Values never shown (config passwords, NATS credentials): redacted wherever they turn up. */
  secrets: string[];
  /** A watch lease lasts this long unless renewed. Default 15 s. */
  leaseMs?: number;
  /** Transitions kept per actor, and actors kept in all. Defaults 50 and 400. */
  historyPerActor?: number;
  historyActors?: number;
  /** Messages of this long gather into one write to the bus (ms). Default DEFAULT_FLUSH_MS. */
  flushMs?: number;
}

interface InspectContext {
  input: InspectInput;
  tap: InspectTap;
}

type InspectEvent =
  | RequestEvent<'inspect.watch', z.infer<typeof watchRequestSchema>>
  | RequestEvent<'inspect.actors', Record<string, unknown>>
  | RequestEvent<'inspect.history', z.infer<typeof actorRequestSchema>>
  | RequestEvent<'inspect.machine', z.infer<typeof actorRequestSchema>>
  | { type: 'bus.bound' }
  | { type: 'bus.response' }
  | { type: 'rosey.shutdown' };

export const DEFAULT_LEASE_MS = 15_000;
/**
 * A watcher sees a step at most this much later; in exchange a command's messages (16 for a
 * `!roll`, spread over several turns of the event loop) and those of the commands around it leave
 * in one socket write rather than one per turn (docs/benchmarks.md#inspect-suite).
 */
export const DEFAULT_FLUSH_MS = 10;

/** Observes the whole tree while the actor runs; the observer goes when it stops. */
const tapLink = fromCallback<{ type: 'never' }, { tap: InspectTap }>(({ input, self }) => {
  const subscription = self.system.inspect(input.tap.observe);
  return () => {
    subscription.unsubscribe();
    input.tap.close();
  };
});

const notFound = (actor: string) => err('NOT_FOUND', `no actor ${actor} in the tree`);

/**
 * The inspect actor (docs/subjects.md#inspection): what every actor of the tree does, through
 * XState's inspection API, published on `rosey.inspect.tree.<path>` while someone holds a watch
 * lease (`rosey.inspect.watch`), the last transitions of each actor for those who join late
 * (`rosey.inspect.history`), the list of actors (`rosey.inspect.actors`) and any machine's chart
 * (`rosey.inspect.machine`). It observes through the tree's own actor system, so it needs nothing
 * from outside the tree and stops observing when it stops. Only Rosey's own users may reach these
 * subjects: no plugin's NATS user may publish or subscribe to them (docs/nats.md).
 */
export const inspectMachine = setup({
  types: {
    input: {} as InspectInput,
    context: {} as InspectContext,
    events: {} as InspectEvent,
  },
  actors: { bus: busBridge, tapLink },
  actions: {
    answer: enqueueActions(({ context, event, enqueue, system }) => {
      if (!('replyId' in event)) return;
      const { tap, input } = context;
      const root = system.get(input.rootSystemId) as AnyActorRef | undefined;
      const find = (actor: string) =>
        root ? listActors(root, input.rootName).find((a) => a.actor === actor) : undefined;
      let result: Result<unknown>;
      try {
        switch (event.type) {
          case 'inspect.watch':
            result = ok(
              tap.watch(event.data.watcher, {
                release: event.data.release ?? false,
                detail: event.data.detail ?? 'all',
              }),
            );
            break;
          case 'inspect.actors':
            result = ok({
              actors: root ? listActors(root, input.rootName).map(({ ref: _ref, ...actor }) => actor) : [],
            });
            break;
          case 'inspect.history': {
            const entries = tap.historyOf(event.data.actor);
            result =
              entries.length > 0 || find(event.data.actor)
                ? ok({ actor: event.data.actor, capacity: tap.history.perActor, entries })
                : notFound(event.data.actor);
            break;
          }
          case 'inspect.machine': {
            const found = find(event.data.actor);
            const machine = found && machineOf(found.ref);
            if (!found || !machine) {
              result = found
                ? err('NOT_FOUND', `${event.data.actor} is not a state machine: it has no chart`)
                : notFound(event.data.actor);
              break;
            }
            const chart = machineChart(machine);
            const value = (found.ref.getSnapshot() as { value?: unknown }).value;
            result = ok({
              actor: found.actor,
              root: chart,
              active: activeNodeIds(chart, value),
              ...(found.state !== undefined ? { state: found.state } : {}),
            });
            break;
          }
        }
      } catch (error) {
        result = err('INTERNAL', errorMessage(error));
      }
      enqueue.sendTo('bus', { type: 'bus.reply', replyId: event.replyId, result } satisfies BridgeCommand);
    }),
  },
}).createMachine({
  id: 'inspect',
  context: ({ input, self }) => {
    const log = input.logger;
    return {
      input,
      tap: new InspectTap({
        self,
        rootName: input.rootName,
        redactor: new Redactor(input.secrets),
        leaseMs: input.leaseMs ?? DEFAULT_LEASE_MS,
        historyPerActor: input.historyPerActor ?? 50,
        historyActors: input.historyActors ?? 400,
        flushMs: input.flushMs ?? DEFAULT_FLUSH_MS,
        subject: subjects.inspect,
        publish: (subject: string, json: string) => {
          // Straight on the connection, not through the bridge: a bridge event would itself be
          // inspected. No connection (the bus restarting): the message is dropped, like any live view.
          try {
            input.link.connection?.publish(subject, json);
          } catch (error) {
            log.debug(`inspect: could not publish on ${subject}: ${errorMessage(error)}`);
          }
        },
        onError: (error) => log.warn(`inspect: ${errorMessage(error)}`),
      }),
    };
  },
  invoke: [
    {
      id: 'bus',
      src: 'bus',
      input: ({ context }) =>
        bridgeInput(context.input, {
          services: [
            { subject: subjects.inspectRequest('watch'), event: 'inspect.watch', schema: watchRequestSchema },
            {
              subject: subjects.inspectRequest('actors'),
              event: 'inspect.actors',
              schema: z.looseObject({}),
            },
            {
              subject: subjects.inspectRequest('history'),
              event: 'inspect.history',
              schema: actorRequestSchema,
            },
            {
              subject: subjects.inspectRequest('machine'),
              event: 'inspect.machine',
              schema: actorRequestSchema,
            },
          ],
        }),
    },
    { id: 'tapLink', src: 'tapLink', input: ({ context }) => ({ tap: context.tap }) },
  ],
  initial: 'running',
  states: {
    running: {
      on: {
        'inspect.watch': { actions: 'answer' },
        'inspect.actors': { actions: 'answer' },
        'inspect.history': { actions: 'answer' },
        'inspect.machine': { actions: 'answer' },
        'rosey.shutdown': 'stopped',
      },
    },
    stopped: { type: 'final' },
  },
});
