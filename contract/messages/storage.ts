import { z } from '../zod.js';
import { LIMITS } from './storage-limits.js';

/**
 * Request payloads of `rosey.db.kv.<plugin>.<op>`, `rosey.db.row.<plugin>.<op>` and
 * `rosey.db.audit.<plugin>.record` (docs/storage.md).
 * These check shapes; fields, operators and values are checked against the real tables afterwards.
 * Unknown keys are refused, so a payload cannot smuggle a namespace or anything else in.
 */
const key = z.string();
const ttl = z.number().optional();
const table = z.string();
const filters = z.unknown().optional();

export const kvRequests = {
  get: z.object({ key }).strict(),
  set: z.object({ key, value: z.unknown(), ttl }).strict(),
  delete: z.object({ key }).strict(),
  list: z
    .object({
      prefix: z.string().optional(),
      /** Only keys after this one (the last key of the previous page). */
      after: z.string().optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    })
    .strict(),
  incr: z.object({ key, by: z.number().optional(), ttl }).strict(),
} as const;

const sort = z.union([
  z.object({ field: z.string(), order: z.enum(['asc', 'desc']).optional() }).strict(),
  z.array(z.object({ field: z.string(), order: z.enum(['asc', 'desc']).optional() }).strict()),
]);

export const rowRequests = {
  insert: z.object({ table, data: z.unknown() }).strict(),
  select: z.object({ table, id: z.union([z.number(), z.string()]) }).strict(),
  search: z
    .object({
      table,
      filters,
      sort: sort.optional(),
      limit: z.number().optional(),
      offset: z.number().optional(),
      fields: z.array(z.string()).optional(),
      aggregates: z.record(z.string(), z.record(z.string(), z.string())).optional(),
      groupBy: z.array(z.string()).optional(),
    })
    .strict(),
  update: z
    .object({
      table,
      filters,
      operations: z.unknown(),
      all: z.boolean().optional(),
      returning: z.boolean().optional(),
    })
    .strict(),
  delete: z.object({ table, filters, all: z.boolean().optional() }).strict(),
  count: z.object({ table, filters }).strict(),
} as const;

/**
 * Dot-separated words, as the action also ends the event's subject (`rosey.audit.<plugin>.<action>`),
 * where an empty token would be refused.
 */
export const AUDIT_ACTION = /^[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export const auditRequests = {
  record: z
    .object({
      action: z
        .string()
        .min(1, 'must not be empty')
        .max(LIMITS.auditActionLength, `longer than ${LIMITS.auditActionLength} characters`)
        .regex(
          AUDIT_ACTION,
          'lower-case letters, digits, _ and -, in words separated by dots, starting with a letter',
        ),
      target: z
        .string()
        .min(1, 'must not be empty')
        .max(LIMITS.auditTargetLength, `longer than ${LIMITS.auditTargetLength} characters`)
        // The audit log is read in terminals and log files: no line breaks or escapes smuggled in.
        .refine((t) => !CONTROL.test(t), 'must not contain control characters'),
      detail: z
        .record(z.string(), z.unknown())
        .refine(
          (d) => Buffer.byteLength(JSON.stringify(d)) <= LIMITS.auditDetailBytes,
          `more than ${LIMITS.auditDetailBytes} bytes of JSON`,
        )
        .optional(),
    })
    .strict(),
} as const;

export type KvOp = keyof typeof kvRequests;
export type RowOp = keyof typeof rowRequests;
export type AuditOp = keyof typeof auditRequests;
export type AuditRequest = z.infer<typeof auditRequests.record>;

/** The prefix of a plugin's tables: `quote-db` owns `quote_db__*`, and no other table. */
export function namespacePrefix(plugin: string): string {
  return `${plugin.replace(/-/g, '_')}__`;
}

/** A sort key of `search` (and of a grouped `aggregate`). */
export interface SortSpec {
  field: string;
  order?: 'asc' | 'desc';
}

/** `{alias: {$count|$sum|$avg|$min|$max: field}}` */
export type AggregateSpec = Record<
  string,
  Partial<Record<'$count' | '$sum' | '$avg' | '$min' | '$max', string>>
>;

/** A `$like` pattern matching `text` literally: `%`, `_` and `\` are escaped with `\`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const row = z.record(z.string(), z.unknown());

/**
 * Data of the successful replies, by operation. Loose objects: a reply may carry more than a
 * caller knows about (a newer Rosey), and the caller keeps it.
 */
export const kvReplies = {
  get: z.union([
    z.object({ exists: z.literal(false) }),
    z.object({ exists: z.literal(true), value: z.unknown(), expiresAt: z.number().nullable() }),
  ]),
  set: z.looseObject({ stored: z.literal(true), expiresAt: z.number().nullable() }),
  delete: z.looseObject({ deleted: z.boolean() }),
  list: z.looseObject({ keys: z.array(z.string()), more: z.boolean() }),
  incr: z.looseObject({ value: z.number(), expiresAt: z.number().nullable() }),
} as const;

export const rowReplies = {
  /** `id` for one row, `ids` for a list, `inserted` for a table without a primary key. */
  insert: z.union([
    z.object({ id: z.unknown() }),
    z.object({ ids: z.array(z.unknown()) }),
    z.object({ inserted: z.number() }),
  ]),
  select: z.looseObject({ row }),
  /** `rows`, or with `aggregates`/`groupBy` the aggregates (`groups` when grouped). */
  search: z.union([
    z.object({ rows: z.array(row) }),
    z.object({ aggregates: row }),
    z.object({ groups: z.array(row) }),
  ]),
  update: z.looseObject({ updated: z.number(), rows: z.array(row).optional() }),
  delete: z.looseObject({ deleted: z.number() }),
  count: z.looseObject({ count: z.number() }),
} as const;

export const auditReplies = { record: z.looseObject({ id: z.number(), at: z.number() }) } as const;

/** `rosey.audit.<plugin>.<action>`: one record of Rosey's audit log as watchers see it. */
export const auditRecordSchema = z.looseObject({
  id: z.number(),
  /** Epoch ms, on storage's clock. */
  at: z.number(),
  /** `plugin:<name>` for a plugin's records. */
  actor: z.string(),
  /** `<plugin>.<action>`: a plugin's actions cannot pass for Rosey's own (`migration.apply`). */
  action: z.string(),
  target: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;
