import { assign, enqueueActions, sendParent, sendTo, setup } from 'xstate';
import { z } from 'zod';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type InboundEvent,
  type RequestEvent,
} from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { Continuation } from '../../contract/envelope.js';
import type { DatabaseTarget } from '../database/target.js';
import type { Logger } from '../../contract/log.js';
import { err, ok, type Result } from '../../contract/result.js';
import { isAuditRecorded } from './audit-log.js';
import type { AuditOp, KvOp, RowOp } from '../../contract/messages/storage.js';
import { auditRequests, kvRequests, rowRequests } from '../../contract/messages/storage.js';
import type { StorageRequest } from './storage-service.js';
import { PLUGIN_NAME, subjects } from '../../contract/subjects.js';
import { childReady, type ChildInfo } from '../../supervisors/child-protocol.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import { databaseWorker, type DatabaseWorkerEvent } from '../database/database-worker.actor.js';

export interface StorageInput {
  link: BusLink;
  logger: Logger;
  target: DatabaseTarget;
  /** How often expired keys are deleted (ms). */
  sweepIntervalMs?: number;
}

interface StorageContext {
  input: StorageInput;
  inFlight: number;
  /**
   * Audit records in flight, by replyId: their result is split into the reply and an event, which
   * continues the request's trace.
   */
  audits: Record<string, Continuation>;
  failure?: string;
  /** Where the database thread is connected, once it is: shown by `rosey status`. */
  database?: ChildInfo;
}

type StorageEvent =
  | RequestEvent<'storage.request', unknown>
  | InboundEvent<'schema.changed', unknown>
  | DatabaseWorkerEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

const OPERATIONS = { kv: kvRequests, row: rowRequests, audit: auditRequests } as const;

/** `rosey.db.kv.quote-db.get` → the request for namespace `quote-db`, or why it is not one. */
export function parseStorageSubject(subject: string, payload: unknown): StorageRequest | Result<never> {
  const [, , tier, namespace, op, ...rest] = subject.split('.');
  if (rest.length > 0 || !namespace || !op || !tier || !Object.hasOwn(OPERATIONS, tier))
    return err('VALIDATION_ERROR', `not a storage subject: ${subject}`);
  if (!PLUGIN_NAME.test(namespace)) return err('VALIDATION_ERROR', `not a plugin namespace: ${namespace}`);
  if (tier === 'kv' && Object.hasOwn(kvRequests, op)) return { tier, op: op as KvOp, namespace, payload };
  if (tier === 'row' && Object.hasOwn(rowRequests, op)) return { tier, op: op as RowOp, namespace, payload };
  if (tier === 'audit' && Object.hasOwn(auditRequests, op))
    return { tier, op: op as AuditOp, namespace, payload };
  const ops = Object.keys(OPERATIONS[tier as keyof typeof OPERATIONS]);
  return err('VALIDATION_ERROR', `unknown ${tier} operation ${op} (use ${ops.join(', ')})`);
}

/**
 * An audit record's result → what goes on the bus. On success the service's `AuditRecorded` is
 * split: the event for watchers first, then `{id, at}` for the plugin (one connection, in order, so
 * a watcher has the event by the time the plugin hears back: what testBot's `audits` relies on).
 */
function auditAnswer(replyId: string, result: Result<unknown>, from: Continuation): BridgeCommand[] {
  if (!result.ok) return [{ type: 'bus.reply', replyId, result }];
  if (!isAuditRecorded(result.data))
    return [{ type: 'bus.reply', replyId, result: err('INTERNAL', 'an audit record came back malformed') }];
  const { reply, publish } = result.data;
  return [
    { type: 'bus.publish', subject: publish.subject, data: publish.data, from },
    { type: 'bus.reply', replyId, result: ok(reply) },
  ];
}

const worker = databaseWorker<StorageRequest>();

/**
 * The storage service: per-plugin key-value stores and rows in the plugin's own tables, over
 * `rosey.db.kv.<plugin>.<op>` and `rosey.db.row.<plugin>.<op>`, and plugins' audit records over
 * `rosey.db.audit.<plugin>.record` (each then published on `rosey.audit.<plugin>.<action>`). The
 * namespace always comes from the subject (which a plugin's NATS credentials restrict to its own),
 * never from the payload.
 */
export const storageMachine = setup({
  types: {
    input: {} as StorageInput,
    context: {} as StorageContext,
    events: {} as StorageEvent,
    output: {} as { exit: ExitReason },
  },
  actors: { bus: busBridge, database: worker },
  actions: {
    execute: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'storage.request') return;
      const request = parseStorageSubject(event.meta.subject, event.data);
      if ('ok' in request) {
        enqueue.sendTo('bus', { type: 'bus.reply', replyId: event.replyId, result: request });
        return;
      }
      enqueue.assign({
        inFlight: context.inFlight + 1,
        audits:
          request.tier === 'audit'
            ? {
                ...context.audits,
                [event.replyId]: {
                  correlationId: event.meta.correlationId,
                  traceparent: event.meta.traceparent,
                },
              }
            : context.audits,
      });
      enqueue.sendTo('database', { type: 'db.exec', replyId: event.replyId, request });
    }),
    refuse: sendTo('bus', ({ event }) => ({
      type: 'bus.reply' as const,
      replyId: event.type === 'storage.request' ? event.replyId : '',
      result: err('SHUTTING_DOWN', 'storage is stopping'),
    })),
    answer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'db.result') return;
      const { replyId, result } = event;
      const audit = context.audits[replyId];
      if (audit === undefined) {
        enqueue.assign({ inFlight: context.inFlight - 1 });
        enqueue.sendTo('bus', { type: 'bus.reply', replyId, result });
        return;
      }
      const { [replyId]: _answered, ...audits } = context.audits;
      enqueue.assign({ inFlight: context.inFlight - 1, audits });
      for (const command of auditAnswer(replyId, result, audit)) enqueue.sendTo('bus', command);
    }),
    invalidate: sendTo('database', ({ event }) => ({
      type: 'db.invalidate' as const,
      plugin: event.type === 'schema.changed' ? (event.meta.subject.split('.')[3] ?? '') : '',
    })),
  },
  guards: { idle: ({ context }) => context.inFlight === 0 },
}).createMachine({
  id: 'storage',
  context: ({ input }) => ({ input, inFlight: 0, audits: {} }),
  invoke: [
    {
      id: 'database',
      src: 'database',
      input: ({ context }) => ({
        target: context.input.target,
        logger: context.input.logger,
        handler: {
          module: new URL('./storage-handler.js', import.meta.url).href,
          exportName: 'storageHandler',
          options: {},
        },
        tickMs: context.input.sweepIntervalMs ?? 60_000,
      }),
    },
  ],
  initial: 'opening',
  output: ({ context }) => ({
    exit: context.failure === undefined ? 'shutdown' : { error: context.failure },
  }),
  on: {
    'db.result': { actions: 'answer' },
    'schema.changed': { actions: 'invalidate' },
  },
  states: {
    opening: {
      on: {
        'db.opened': {
          target: 'open',
          actions: [
            assign({ database: ({ event }) => ({ database: event.description, thread: event.threadId }) }),
            ({ context, event }) => context.input.logger.info(`storage on ${event.description}`),
          ],
        },
        'db.failed': { target: 'failed', actions: assign({ failure: ({ event }) => event.error }) },
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
            services: [
              { subject: 'rosey.db.kv.*.*', event: 'storage.request', schema: z.unknown() },
              { subject: 'rosey.db.row.*.*', event: 'storage.request', schema: z.unknown() },
              { subject: 'rosey.db.audit.*.*', event: 'storage.request', schema: z.unknown() },
            ],
            subscriptions: [
              { subject: subjects.anySchemaChanged, event: 'schema.changed', schema: z.unknown() },
            ],
          }),
      },
      initial: 'binding',
      states: {
        binding: {
          on: {
            'bus.bound': {
              target: 'serving',
              actions: sendParent(({ context, self }) => childReady(self, context.database)),
            },
            // A request can arrive before the subscriptions are confirmed (a plugin retrying
            // while storage restarts); the database is open, so serve it rather than drop it.
            'storage.request': { actions: 'execute' },
          },
        },
        serving: {
          on: {
            'storage.request': { actions: 'execute' },
            'rosey.shutdown': 'draining',
          },
        },
        // Answer what is already running; refuse anything new.
        draining: {
          on: { 'storage.request': { actions: 'refuse' } },
          always: { guard: 'idle', target: '#storage.stopped' },
        },
      },
      on: {
        'rosey.shutdown': '.draining',
        // The database thread died: the supervisor restarts this actor (and a fresh thread).
        'db.failed': { target: '#storage.failed', actions: assign({ failure: ({ event }) => event.error }) },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});
