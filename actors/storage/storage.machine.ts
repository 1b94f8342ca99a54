import type { BridgeCommand } from '../bus/bridge.actor.js';
import type { Continuation } from '../../contract/envelope.js';
import { err, ok, type Result } from '../../contract/result.js';
import { isAuditRecorded } from './audit-log.js';
import { auditRequests, kvRequests, rowRequests } from '../../contract/messages/storage.js';
import type { StorageRequest } from './storage-service.js';
import { ADMIN_NAMESPACE, PLUGIN_NAME, subjects } from '../../contract/subjects.js';
import { databaseServiceMachine, type DatabaseServiceInput } from '../database/database-service.machine.js';
import { isOperation, readDatabaseSubject } from '../database/database-subject.js';
import { ATTR } from '../../contract/tracing.js';
import type { AnswerEffect, Answered } from '../database/database-service.machine.js';
import type { StorageOutcome } from '../tally/tally.js';

export interface StorageInput extends DatabaseServiceInput {
  /** How often expired keys are deleted (ms). */
  sweepIntervalMs?: number;
}

const OPERATIONS = { kv: kvRequests, row: rowRequests, audit: auditRequests } as const;

/** `rosey.db.kv.quote-db.get` → the request for namespace `quote-db`, or why it is not one. */
export function parseStorageSubject(subject: string, payload: unknown): StorageRequest | Result<never> {
  const tokens = readDatabaseSubject(subject);
  if (!tokens || !isOperation(OPERATIONS, tokens.service))
    return err('VALIDATION_ERROR', `not a storage subject: ${subject}`);
  const { service: tier, plugin: namespace, op } = tokens;
  // `admin` is no plugin's (PLUGIN_NAME refuses it): Rosey's `!admin` records its audit there.
  const admin = tier === 'audit' && namespace === ADMIN_NAMESPACE;
  if (!admin && !PLUGIN_NAME.test(namespace))
    return err('VALIDATION_ERROR', `not a plugin namespace: ${namespace}`);
  if (tier === 'kv' && isOperation(kvRequests, op)) return { tier, op, namespace, payload };
  if (tier === 'row' && isOperation(rowRequests, op)) return { tier, op, namespace, payload };
  if (tier === 'audit' && isOperation(auditRequests, op)) return { tier, op, namespace, payload };
  const ops = Object.keys(OPERATIONS[tier]);
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

/**
 * The request, its outcome, and the time since the storage actor took it, for the metrics actor.
 * Timed here because only storage sees both ends: the reply goes to the plugin's own inbox. Told
 * after the reply is sent.
 */
function outcome({ request, result }: Answered<StorageRequest>): AnswerEffect {
  const told: StorageOutcome = {
    plugin: request.namespace,
    op: `${request.tier}.${request.op}`,
    ...(result.ok ? { outcome: 'ok' } : { outcome: 'error', code: result.error.code }),
    seconds: request.receivedAt === undefined ? 0 : (performance.now() - request.receivedAt) / 1000,
  };
  return { type: 'tally', event: { type: 'storage', outcome: told } };
}

/**
 * The storage service: per-plugin key-value stores and rows in the plugin's own tables, over
 * `rosey.db.kv.<plugin>.<op>` and `rosey.db.row.<plugin>.<op>`, and plugins' audit records over
 * `rosey.db.audit.<plugin>.record` (each then published on `rosey.audit.<plugin>.<action>`). The
 * namespace always comes from the subject (which a plugin's NATS credentials restrict to its own),
 * never from the payload.
 */
export const storageMachine = databaseServiceMachine<StorageInput, StorageRequest>({
  id: 'storage',
  subjects: ['rosey.db.kv.*.*', 'rosey.db.row.*.*', 'rosey.db.audit.*.*'],
  toRequest: (subject, payload) => {
    const request = parseStorageSubject(subject, payload);
    return 'ok' in request ? request : ok({ ...request, receivedAt: performance.now() });
  },
  thread: (input) => ({
    handler: {
      module: new URL('./storage-handler.js', import.meta.url).href,
      exportName: 'storageHandler',
      options: {},
    },
    tickMs: input.sweepIntervalMs ?? 60_000,
    // SQLite on the main thread: better-sqlite3 answers a keyed query in tens of µs, less than
    // handing it to a thread and back, and a thread of its own is an isolate with MikroORM loaded
    // again, ~35 MB (issue 16). PostgreSQL keeps its thread: its pool and its slow queries are
    // better kept off the thread every actor's messages go through.
    placement: input.target.kind === 'sqlite' ? 'main' : 'thread',
  }),
  stoppingMessage: 'storage is stopping',
  answer: (answered) => {
    const { replyId, request, result, from } = answered;
    return [
      ...(request.tier === 'audit'
        ? auditAnswer(replyId, result, from)
        : [{ type: 'bus.reply', replyId, result } satisfies BridgeCommand]),
      outcome(answered),
    ];
  },
  // The migrator changed a plugin's tables: the row store's cached schemas of them are stale.
  invalidateOn: {
    subject: subjects.anySchemaChanged,
    plugin: (subject) => readDatabaseSubject(subject)?.plugin,
  },
  logDatabase: true,
  // A span per request, in the trace of the plugin command that made it.
  trace: (subject) => ({ [ATTR.plugin]: readDatabaseSubject(subject)?.plugin ?? '' }),
});
