import { z } from 'zod';

/**
 * Request payloads of `rosey.db.kv.<plugin>.<op>` and `rosey.db.row.<plugin>.<op>` (docs/storage.md).
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

export type KvOp = keyof typeof kvRequests;
export type RowOp = keyof typeof rowRequests;
