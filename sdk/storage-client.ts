import type { NatsConnection } from '../contract/nats.js';
import type { z } from '../contract/zod.js';
import { request } from '../contract/request.js';
import { migrateReplies } from '../contract/messages/migrations.js';
import {
  auditReplies,
  kvReplies,
  rowReplies,
  type AggregateSpec,
  type SortSpec,
} from '../contract/messages/storage.js';
import { subjects } from '../contract/subjects.js';
import { ATTR, messagingAttributes, tracing, type Span } from '../contract/tracing.js';
import { StorageError } from './storage-error.js';

export { StorageError };
export { escapeLike } from '../contract/messages/storage.js';

export type Row = Record<string, unknown>;
export type Filter = Record<string, unknown>;

export interface SearchOptions {
  filters?: Filter;
  sort?: SortSpec | SortSpec[];
  limit?: number;
  offset?: number;
  fields?: string[];
}

/**
 * A plugin's storage: its own key-value store, its own tables, its own migrations and its records in
 * Rosey's audit log, reached over NATS. Every method throws a `StorageError` (with `code`) when the
 * request fails, including `TIMEOUT` when storage does not answer in time. Subjects are never built
 * by plugin code.
 */
export class StorageClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly plugin: string,
    private readonly timeoutMs = 5000,
  ) {}

  /** One request; the reply's data is checked against its schema in contract/messages. */
  private async call<S extends z.ZodType>(
    subject: string,
    reply: S,
    payload: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<z.output<S>> {
    const notFinite = nonFiniteAt(payload);
    if (notFinite !== undefined)
      throw new StorageError('VALIDATION_ERROR', `${notFinite}: not a finite number (JSON would send null)`);
    // Tracing on: a span in the trace of the command being run (the active span), parent of storage's.
    const t = tracing();
    let span: Span | undefined;
    if (t) {
      // Assigned, not spread into a literal with more keys (slow on Node 20: contract/tracer.ts).
      const attributes = messagingAttributes('send', subject);
      attributes[ATTR.plugin] = this.plugin;
      span = t.start(`send ${subject}`, { kind: 'client', attributes });
    }
    const from = span && { parentSpan: span.traceparent };
    const result = await request(this.nc, subject, payload, { timeoutMs, reply, from });
    if (span) {
      if (!result.ok) span.fail(result.error.code, result.error.message);
      span.end();
    }
    if (!result.ok) throw new StorageError(result.error.code, result.error.message);
    return result.data;
  }

  readonly kv = {
    /**
     * The value, or undefined when the key is absent or expired. `T` is the caller's word for what
     * was stored (as with `JSON.parse`): nothing checks it.
     */
    get: async <T = unknown>(key: string): Promise<T | undefined> => {
      const r = await this.call(subjects.kv(this.plugin, 'get'), kvReplies.get, { key });
      return r.exists ? (r.value as T) : undefined;
    },
    entry: (key: string) => this.call(subjects.kv(this.plugin, 'get'), kvReplies.get, { key }),
    /** Stores any JSON value (64 KiB at most), optionally expiring after `ttl` seconds. */
    set: (key: string, value: unknown, options: { ttl?: number } = {}) =>
      this.call(subjects.kv(this.plugin, 'set'), kvReplies.set, { key, value, ...options }),
    delete: async (key: string): Promise<boolean> =>
      (await this.call(subjects.kv(this.plugin, 'delete'), kvReplies.delete, { key })).deleted,
    /** Keys in key order; pass the last key of a page as `after` for the next one. */
    list: (options: { prefix?: string; after?: string; limit?: number } = {}) =>
      this.call(subjects.kv(this.plugin, 'list'), kvReplies.list, options),
    /** Adds `by` (default 1) atomically and returns the new value; an absent key counts as 0. */
    incr: async (key: string, by = 1, options: { ttl?: number } = {}): Promise<number> =>
      (await this.call(subjects.kv(this.plugin, 'incr'), kvReplies.incr, { key, by, ...options })).value,
  };

  readonly rows = {
    /** Inserts one row and returns its primary key (undefined for a table without one). */
    insert: async (table: string, data: Row): Promise<unknown> => {
      const r = await this.call(subjects.row(this.plugin, 'insert'), rowReplies.insert, { table, data });
      return 'id' in r ? r.id : undefined;
    },
    /** Inserts up to 1,000 rows in one transaction and returns their primary keys. */
    insertMany: async (table: string, data: Row[]): Promise<unknown[]> => {
      const r = await this.call(subjects.row(this.plugin, 'insert'), rowReplies.insert, { table, data });
      return 'ids' in r ? r.ids : [];
    },
    /** The row with this primary key, or undefined. */
    select: async (table: string, id: number | string): Promise<Row | undefined> => {
      try {
        return (await this.call(subjects.row(this.plugin, 'select'), rowReplies.select, { table, id })).row;
      } catch (error) {
        if (error instanceof StorageError && error.code === 'NOT_FOUND') return undefined;
        throw error;
      }
    },
    search: async (table: string, options: SearchOptions = {}): Promise<Row[]> => {
      const r = await this.call(subjects.row(this.plugin, 'search'), rowReplies.search, {
        table,
        ...options,
      });
      if (!('rows' in r)) throw malformed('search', 'rows');
      return r.rows;
    },
    /** `$count`, `$sum`, `$avg`, `$min`, `$max` over the matching rows (or per group). */
    aggregate: async (
      table: string,
      options: {
        filters?: Filter;
        aggregates: AggregateSpec;
        groupBy?: string[];
        sort?: SortSpec | SortSpec[];
        limit?: number;
        offset?: number;
      },
    ): Promise<{ aggregates?: Row; groups?: Row[] }> => {
      const r = await this.call(subjects.row(this.plugin, 'search'), rowReplies.search, {
        table,
        ...options,
      });
      if ('rows' in r) throw malformed('search', 'aggregates or groups');
      return r;
    },
    /** Applies `$set $inc $dec $mul $max $min` atomically; `returning` gives back the changed rows. */
    update: (
      table: string,
      filters: Filter,
      operations: Record<string, unknown>,
      options: { all?: boolean; returning?: boolean } = {},
    ) =>
      this.call(subjects.row(this.plugin, 'update'), rowReplies.update, {
        table,
        filters,
        operations,
        ...options,
      }),
    delete: async (table: string, filters: Filter, options: { all?: boolean } = {}): Promise<number> =>
      (
        await this.call(subjects.row(this.plugin, 'delete'), rowReplies.delete, {
          table,
          filters,
          ...options,
        })
      ).deleted,
    count: async (table: string, filters?: Filter): Promise<number> =>
      (await this.call(subjects.row(this.plugin, 'count'), rowReplies.count, { table, filters })).count,
  };

  /**
   * Records `<plugin>.<action>` on `target` in Rosey's audit log, as `plugin:<plugin>`, and returns
   * the record's id and time (epoch ms). `action`: lower-case words separated by dots
   * (`quote.deleted`); `detail`: a JSON object of at most 8 KiB. See docs/storage.md.
   */
  audit(
    action: string,
    target: string,
    detail?: Record<string, unknown>,
  ): Promise<{ id: number; at: number }> {
    return this.call(
      subjects.audit(this.plugin),
      auditReplies.record,
      detail === undefined ? { action, target } : { action, target, detail },
    );
  }

  readonly migrations = {
    status: () => this.call(subjects.migrate(this.plugin, 'status'), migrateReplies.status, {}),
    apply: (options: { toVersion?: number; dryRun?: boolean } = {}) =>
      this.call(
        subjects.migrate(this.plugin, 'apply'),
        migrateReplies.apply,
        { to_version: options.toVersion, dry_run: options.dryRun, actor: `plugin:${this.plugin}` },
        5 * 60_000,
      ),
    rollback: (options: { count?: number; toVersion?: number; dryRun?: boolean } = {}) =>
      this.call(
        subjects.migrate(this.plugin, 'rollback'),
        migrateReplies.rollback,
        {
          count: options.count,
          to_version: options.toVersion,
          dry_run: options.dryRun,
          actor: `plugin:${this.plugin}`,
        },
        5 * 60_000,
      ),
  };
}

/**
 * Where `value` holds NaN or ±Infinity. JSON turns them into null, so `{score: NaN}` would
 * silently become `score IS NULL`: a filter matching other rows than meant.
 */
function nonFiniteAt(value: unknown, path = 'payload', depth = 0): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (typeof value !== 'object' || value === null || depth > 32) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nonFiniteAt(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A reply of the wrong kind for the method (search rows where aggregates were asked, or back). */
function malformed(op: string, wanted: string): StorageError {
  return new StorageError('INTERNAL', `malformed reply from ${op}: no ${wanted}`);
}
