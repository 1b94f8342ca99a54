import { assertEvent, assign, enqueueActions, sendParent, sendTo, setup } from 'xstate';
import { z } from '../../contract/zod.js';
import {
  bridgeInput,
  busBridge,
  type Binding,
  type BridgeCommand,
  type InboundEvent,
  type RequestEvent,
} from '../bus/bridge.actor.js';
import type { Tally, TallyEvent } from '../tally/tally.js';
import type { BusLink } from '../bus/bus-link.js';
import type { Continuation } from '../../contract/envelope.js';
import type { LogFields, Logger, LogLevel } from '../../contract/log.js';
import { err, type Result } from '../../contract/result.js';
import {
  childInfo,
  childReady,
  type ChildInfo,
  type ShutdownEvent,
} from '../../supervisors/child-protocol.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import {
  databaseWorker,
  type DatabaseWorkerCommand,
  type DatabaseWorkerEvent,
  type DatabaseWorkerInput,
} from './database-worker.actor.js';
import type { DatabaseTarget } from './target.js';

/** What every database service is started with; a service's own input adds to it. */
export interface DatabaseServiceInput {
  link: BusLink;
  logger: Logger;
  target: DatabaseTarget;
  /** Where the service tells what it answered, for the metrics actor (actors/tally). */
  tally?: Tally;
}

/** A request the thread is working on, and the trace of the bus request it came in as. */
export interface InFlight<Request> {
  request: Request;
  from: Continuation;
}

/** The thread's answer to one request, with what the service needs to put it on the bus. */
export interface Answered<Request> extends InFlight<Request> {
  replyId: string;
  result: Result<unknown>;
}

/**
 * What an answer becomes: bus commands, sent in order on one connection (so a publish listed
 * before the reply reaches its watchers first), and log lines, written when the actions run.
 */
export type AnswerEffect =
  | BridgeCommand
  | { type: 'log'; level: LogLevel; message: string; fields?: LogFields }
  | { type: 'tally'; event: TallyEvent };

/** What one database service is; everything else (its lifecycle) is the same for all of them. */
export interface DatabaseService<Input extends DatabaseServiceInput, Request> {
  /** The machine's id (the supervisor's child id is the spec's own). */
  id: string;
  /** Request subjects served, NATS wildcards included. */
  subjects: readonly string[];
  /** How a request's subject and payload become a request for the thread, or why they do not. */
  toRequest(subject: string, payload: unknown): Result<Request>;
  /**
   * The handler module the thread runs, how often its housekeeping ticks, whether it closes when
   * idle (opened again by the next request), and whether it is a thread at all (`placement`).
   */
  thread(input: Input): Pick<DatabaseWorkerInput, 'handler' | 'tickMs' | 'idleCloseMs' | 'placement'>;
  /** Refusal of a request arriving while the service drains, e.g. `storage is stopping`. */
  stoppingMessage: string;
  /** What goes on the bus for an answer; the reply alone when absent. */
  answer?(answered: Answered<Request>): AnswerEffect[];
  /**
   * Published messages saying a plugin's tables changed, and which plugin a subject names: the
   * thread then forgets what it cached of them.
   */
  invalidateOn?: { subject: string; plugin(subject: string): string | undefined };
  /** How long a request may take before the bridge answers TIMEOUT (its own default otherwise). */
  serveTimeoutMs?: number;
  /** Log which database is open: once for Rosey, by one of the services that share it. */
  logDatabase?: boolean;
  /** With tracing on, a span per request with these attributes (actors/bus/bridge.actor.ts). */
  trace?: Binding['trace'];
}

interface DatabaseServiceContext<Input, Request> {
  input: Input;
  /** By replyId. Draining ends when it is empty. */
  inFlight: Record<string, InFlight<Request>>;
  failure?: string;
  /** Where the database thread is connected, once it is: shown by `rosey status`. */
  database?: ChildInfo;
}

type DatabaseServiceEvent =
  | RequestEvent<'service.request', unknown>
  | InboundEvent<'schema.changed', unknown>
  | DatabaseWorkerEvent
  | { type: 'bus.bound' }
  | ShutdownEvent;

// Children are addressed by id, which XState does not type: these keep the commands checked.
const reply = (replyId: string, result: Result<unknown>): BridgeCommand => ({
  type: 'bus.reply',
  replyId,
  result,
});
const replyOnly = ({ replyId, result }: Pick<Answered<unknown>, 'replyId' | 'result'>) => [
  reply(replyId, result),
];

/**
 * A machine serving one database service over the bus, from its own database thread: it opens the
 * thread, binds the service's subjects and reports ready (with where the database is, for `rosey
 * status`), hands requests to the thread and its answers back to the bus, and on shutdown refuses
 * new requests while finishing those in flight. When the thread dies it fails, so the supervisor
 * restarts it with a fresh thread.
 *
 * The database worker is the actor `database`, which tests replace with `machine.provide`.
 */
export function databaseServiceMachine<Input extends DatabaseServiceInput, Request>(
  service: DatabaseService<Input, Request>,
) {
  const answer = service.answer ?? replyOnly;
  return setup({
    types: {
      input: {} as Input,
      context: {} as DatabaseServiceContext<Input, Request>,
      events: {} as DatabaseServiceEvent,
      output: {} as { exit: ExitReason },
    },
    actors: { bus: busBridge, database: databaseWorker<Request>() },
    actions: {
      rememberDatabase: assign({
        database: ({ event }) => {
          assertEvent(event, 'db.opened');
          return { database: event.description, thread: event.threadId };
        },
      }),
      forgetThread: assign({
        database: ({ context }) => context.database && { ...context.database, thread: 'none' },
      }),
      tellDatabase: sendParent(({ context, self }) => childInfo(self, context.database ?? {})),
      logDatabase: ({ context, event }) => {
        assertEvent(event, 'db.opened');
        if (service.logDatabase) context.input.logger.info(`${service.id} on ${event.description}`);
      },
      execute: enqueueActions(({ context, event, enqueue }) => {
        assertEvent(event, 'service.request');
        const { replyId, meta } = event;
        const request = service.toRequest(meta.subject, event.data);
        if (!request.ok) {
          enqueue.sendTo('bus', reply(replyId, request));
          return;
        }
        const from = { correlationId: meta.correlationId, traceparent: meta.traceparent };
        enqueue.assign({ inFlight: { ...context.inFlight, [replyId]: { request: request.data, from } } });
        const exec: DatabaseWorkerCommand<Request> = { type: 'db.exec', replyId, request: request.data };
        enqueue.sendTo('database', exec);
      }),
      refuse: sendTo('bus', ({ event }) => {
        assertEvent(event, 'service.request');
        return reply(event.replyId, err('SHUTTING_DOWN', service.stoppingMessage));
      }),
      answer: enqueueActions(({ context, event, enqueue }) => {
        assertEvent(event, 'db.result');
        const { replyId, result } = event;
        const { [replyId]: answered, ...inFlight } = context.inFlight;
        enqueue.assign({ inFlight });
        const effects = answered ? answer({ ...answered, replyId, result }) : replyOnly({ replyId, result });
        for (const effect of effects) {
          if (effect.type === 'log') {
            const { level, message, fields } = effect;
            enqueue(() => context.input.logger[level](message, fields));
          } else if (effect.type === 'tally') {
            const told = effect.event;
            enqueue(() => context.input.tally?.emit(told));
          } else enqueue.sendTo('bus', effect);
        }
      }),
      invalidate: enqueueActions(({ event, enqueue }) => {
        assertEvent(event, 'schema.changed');
        const plugin = service.invalidateOn?.plugin(event.meta.subject);
        if (plugin === undefined) return;
        const invalidate: DatabaseWorkerCommand<Request> = { type: 'db.invalidate', plugin };
        enqueue.sendTo('database', invalidate);
      }),
      fail: assign({
        failure: ({ event }) => {
          assertEvent(event, 'db.failed');
          return event.error;
        },
      }),
    },
    guards: { idle: ({ context }) => Object.keys(context.inFlight).length === 0 },
  }).createMachine({
    id: service.id,
    context: ({ input }) => ({ input, inFlight: {} }),
    invoke: {
      id: 'database',
      src: 'database',
      input: ({ context }) => ({
        target: context.input.target,
        logger: context.input.logger,
        ...service.thread(context.input),
      }),
    },
    initial: 'opening',
    output: ({ context }) => ({
      exit: context.failure === undefined ? 'shutdown' : { error: context.failure },
    }),
    on: {
      'db.result': { actions: 'answer' },
      'schema.changed': { actions: 'invalidate' },
      // The database thread died, whatever the state: the supervisor restarts this actor (and a
      // fresh thread).
      'db.failed': { target: '.failed', actions: 'fail' },
    },
    states: {
      opening: {
        on: {
          'db.opened': { target: 'open', actions: ['rememberDatabase', 'logDatabase'] },
          'rosey.shutdown': 'stopped',
        },
      },
      // The database is open: bind the subjects, then take requests.
      open: {
        invoke: {
          id: 'bus',
          src: 'bus',
          input: ({ context }) =>
            bridgeInput(context.input, {
              services: service.subjects.map((subject) => ({
                subject,
                event: 'service.request',
                schema: z.unknown(),
                trace: service.trace,
              })),
              subscriptions: service.invalidateOn
                ? [{ subject: service.invalidateOn.subject, event: 'schema.changed', schema: z.unknown() }]
                : [],
              serveTimeoutMs: service.serveTimeoutMs,
            }),
        },
        initial: 'binding',
        on: {
          // A service whose thread closes when idle (DatabaseWorkerInput.idleCloseMs): `rosey
          // status` shows the thread it has now, or none.
          'db.opened': { actions: ['rememberDatabase', 'tellDatabase'] },
          'db.idle': { actions: ['forgetThread', 'tellDatabase'] },
          // Binding included: a request can arrive before the subscriptions are confirmed (a
          // caller retrying while the service restarts), and the database is open, so serve it
          // rather than drop it.
          'service.request': { actions: 'execute' },
          'rosey.shutdown': '.draining',
        },
        states: {
          binding: {
            on: {
              'bus.bound': {
                target: 'serving',
                actions: sendParent(({ context, self }) => childReady(self, context.database)),
              },
            },
          },
          serving: {},
          // Answer what is already running; refuse anything new.
          draining: {
            on: { 'service.request': { actions: 'refuse' } },
            always: { guard: 'idle', target: 'drained' },
          },
          drained: { type: 'final' },
        },
        onDone: 'stopped',
      },
      stopped: { type: 'final' },
      failed: { type: 'final' },
    },
  });
}
