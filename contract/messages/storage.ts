import { z } from 'zod';
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
