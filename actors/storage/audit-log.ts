import type { Knex } from 'knex';
import { ADMIN_NAMESPACE, subjects } from '../../contract/subjects.js';
import { LIMITS } from '../../contract/messages/storage-limits.js';
import type { AuditRecord, AuditRequest } from '../../contract/messages/storage.js';
import { fail, fromDatabaseError } from '../database/storage-error.js';
import { checkJsonValue, checkUnicode } from './json-values.js';

const TABLE = 'rosey_audit';

/**
 * What recording answers: the reply for the plugin, and the event for live watchers. The storage
 * actor splits the two, since it is the one holding the bus.
 */
export interface AuditRecorded {
  reply: { id: number; at: number };
  publish: { subject: string; data: AuditRecord };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Checks what comes back from the database thread (structured-cloned, so typed only by trust). */
export function isAuditRecorded(value: unknown): value is AuditRecorded {
  return (
    isObject(value) &&
    isObject(value.reply) &&
    typeof value.reply.id === 'number' &&
    typeof value.reply.at === 'number' &&
    isObject(value.publish) &&
    typeof value.publish.subject === 'string' &&
    isObject(value.publish.data)
  );
}

/**
 * Plugins' entries in `rosey_audit`, the table the migrator records migrations in. Who did it is
 * always the plugin the subject names: the payload can say what and to what, never who. The one
 * namespace that is not a plugin's is `admin` (`!admin`, actors/admin): its records name the chat
 * user in their detail, which only Rosey's own NATS user can send.
 */
export class AuditLog {
  constructor(
    private readonly knex: Knex,
    private readonly now: () => number,
  ) {}

  async record(plugin: string, request: AuditRequest): Promise<AuditRecorded> {
    const action = `${plugin}.${request.action}`;
    if (action.length > LIMITS.auditActionLength) {
      fail(
        'VALIDATION_ERROR',
        `action: ${action} (with the plugin's name in front) is longer than ${LIMITS.auditActionLength} characters`,
      );
    }
    checkUnicode(request.target, 'target');
    const detail = request.detail ?? {};
    checkJsonValue(detail, 'detail');
    const row = {
      at: this.now(),
      // No plugin may be called `admin` (PLUGIN_NAME): these records are the admin component's.
      actor: plugin === ADMIN_NAMESPACE ? 'rosey:admin' : `plugin:${plugin}`,
      action,
      target: request.target,
      detail: JSON.stringify(detail),
    };
    let inserted: Array<{ id: number | string }>;
    try {
      inserted = (await this.knex(TABLE).insert(row).returning('id')) as Array<{ id: number | string }>;
    } catch (error) {
      throw fromDatabaseError(error);
    }
    const id = Number(inserted[0]!.id);
    return {
      reply: { id, at: row.at },
      publish: {
        subject: subjects.auditEvent(plugin, request.action),
        data: { id, at: row.at, actor: row.actor, action, target: row.target, detail },
      },
    };
  }
}
