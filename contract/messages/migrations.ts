import { z } from '../zod.js';

/** `rosey.db.migrate.<plugin>.<op>` */
export const MIGRATE_OPS = ['apply', 'rollback', 'status'] as const;
export type MigrateOp = (typeof MIGRATE_OPS)[number];

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * Who asked, as the migration history and `rosey db status` will show it: read in terminals and
 * log files, so no line breaks or escapes smuggled in (a forged second line of history).
 */
const actor = z
  .string()
  .min(1)
  .max(100)
  .refine((a) => !CONTROL.test(a), 'must not contain control characters')
  .optional();

/** Payloads of `rosey.db.migrate.<plugin>.<op>` (snake_case, as the original service had them). */
export const migrateRequests = {
  apply: z
    .object({
      to_version: z.number().int().min(0).optional(),
      dry_run: z.boolean().optional(),
      actor,
    })
    .strict(),
  rollback: z
    .object({
      to_version: z.number().int().min(0).optional(),
      count: z.number().int().min(1).max(1000).optional(),
      dry_run: z.boolean().optional(),
      actor,
    })
    .strict()
    .refine(
      (p) => !(p.to_version !== undefined && p.count !== undefined),
      'give to_version or count, not both',
    ),
  status: z.object({}).strict(),
} as const;

const appliedInfoSchema = z.looseObject({
  version: z.number(),
  name: z.string(),
  checksum: z.string(),
  at: z.number(),
  actor: z.string(),
  durationMs: z.number(),
});
export type AppliedInfo = z.infer<typeof appliedInfoSchema>;

/** Reply of `status`. */
export const statusReportSchema = z.looseObject({
  plugin: z.string(),
  currentVersion: z.number(),
  availableVersion: z.number(),
  applied: z.array(appliedInfoSchema),
  pending: z.array(z.looseObject({ version: z.number(), name: z.string() })),
  /** Things that block apply and rollback until fixed (edited or missing applied files). */
  problems: z.array(z.string()),
  /** The latest attempts, newest first, failures included with the database's message. */
  history: z.array(
    z.looseObject({
      version: z.number(),
      name: z.string(),
      action: z.string(),
      status: z.string(),
      actor: z.string(),
      at: z.number(),
      durationMs: z.number(),
      error: z.string().nullable(),
    }),
  ),
});
export type StatusReport = z.infer<typeof statusReportSchema>;

const stepReportSchema = z.looseObject({ version: z.number(), name: z.string(), durationMs: z.number() });
export type StepReport = z.infer<typeof stepReportSchema>;

/** Reply of `apply` and `rollback`. */
export const runReportSchema = z.looseObject({
  plugin: z.string(),
  dryRun: z.boolean(),
  /** Migrations applied (or rolled back), in the order they ran. */
  steps: z.array(stepReportSchema),
  currentVersion: z.number(),
  warnings: z.array(z.string()),
});
export type RunReport = z.infer<typeof runReportSchema>;

export const migrateReplies = {
  apply: runReportSchema,
  rollback: runReportSchema,
  status: statusReportSchema,
};

/** `rosey.db.schema.<plugin>.changed`, published by the migrator after an apply or rollback changed tables. */
export const schemaChangedSchema = z.looseObject({ plugin: z.string() });
