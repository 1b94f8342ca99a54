import type { Database } from '../database/open.js';
import { err, ok, type Result } from '../../contract/result.js';
import { AuditLog } from './audit-log.js';
import { KvStore } from './kv-store.js';
import {
  auditRequests,
  kvRequests,
  rowRequests,
  type AuditOp,
  type KvOp,
  type RowOp,
} from '../../contract/messages/storage.js';
import { RowStore } from './rows/row-store.js';
import { StorageError } from '../database/storage-error.js';
import { validate } from '../../contract/validate.js';
import type { z } from '../../contract/zod.js';

/** `receivedAt`: `performance.now()` when the storage actor took it, for its latency metric. */
export type StorageRequest = (
  | { tier: 'kv'; op: KvOp; namespace: string; payload: unknown }
  | { tier: 'row'; op: RowOp; namespace: string; payload: unknown }
  | { tier: 'audit'; op: AuditOp; namespace: string; payload: unknown }
) & { receivedAt?: number };

/**
 * Carries out one storage request for one plugin namespace and always answers with a Result:
 * validation, unknown tables/fields/operators and database errors all become `{ok: false, error}`.
 * The data is the reply, except for an audit record: an `AuditRecorded` (the reply and the event
 * to publish), which the storage actor splits.
 */
export class StorageService {
  readonly kv: KvStore;
  readonly rows: RowStore;
  readonly audit: AuditLog;

  constructor(db: Database, now: () => number = Date.now) {
    this.kv = new KvStore(db.knex, db.dialect, now);
    this.rows = new RowStore(db.knex, db.dialect);
    this.audit = new AuditLog(db.knex, now);
  }

  async handle(request: StorageRequest): Promise<Result<unknown>> {
    try {
      switch (request.tier) {
        case 'kv':
          return ok(await this.kvOp(request.op, request.namespace, request.payload));
        case 'row':
          return ok(await this.rowOp(request.op, request.namespace, request.payload));
        case 'audit':
          return ok(await this.auditOp(request.op, request.namespace, request.payload));
      }
    } catch (error) {
      if (error instanceof StorageError) return error.toResult();
      return err('DATABASE_ERROR', (error as Error).message?.split('\n')[0] ?? String(error));
    }
  }

  private check<S extends z.ZodType>(schema: S, payload: unknown): z.infer<S> {
    const checked = validate(schema, payload);
    if (!checked.ok) throw new StorageError(checked.error.code, checked.error.message);
    return checked.data;
  }

  private async kvOp(op: KvOp, ns: string, payload: unknown): Promise<unknown> {
    switch (op) {
      case 'get': {
        const p = this.check(kvRequests.get, payload);
        return this.kv.get(ns, p.key);
      }
      case 'set': {
        const p = this.check(kvRequests.set, payload);
        return this.kv.set(ns, p.key, p.value, p.ttl);
      }
      case 'delete': {
        const p = this.check(kvRequests.delete, payload);
        return this.kv.delete(ns, p.key);
      }
      case 'list': {
        const p = this.check(kvRequests.list, payload);
        return this.kv.list(ns, p.prefix, p.limit, p.after);
      }
      case 'incr': {
        const p = this.check(kvRequests.incr, payload);
        return this.kv.incr(ns, p.key, p.by, p.ttl);
      }
    }
  }

  private async auditOp(op: AuditOp, ns: string, payload: unknown): Promise<unknown> {
    switch (op) {
      case 'record':
        return this.audit.record(ns, this.check(auditRequests.record, payload));
    }
  }

  private async rowOp(op: RowOp, ns: string, payload: unknown): Promise<unknown> {
    switch (op) {
      case 'insert': {
        const p = this.check(rowRequests.insert, payload);
        return this.rows.insert(ns, p.table, p.data);
      }
      case 'select': {
        const p = this.check(rowRequests.select, payload);
        return this.rows.select(ns, p.table, p.id);
      }
      case 'search': {
        const p = this.check(rowRequests.search, payload);
        return this.rows.search(ns, p);
      }
      case 'update': {
        const p = this.check(rowRequests.update, payload);
        return this.rows.update(ns, p.table, p.filters, p.operations, { all: p.all, returning: p.returning });
      }
      case 'delete': {
        const p = this.check(rowRequests.delete, payload);
        return this.rows.delete(ns, p.table, p.filters, { all: p.all });
      }
      case 'count': {
        const p = this.check(rowRequests.count, payload);
        return this.rows.count(ns, p.table, p.filters);
      }
    }
  }
}
