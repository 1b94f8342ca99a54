import { z } from '../zod.js';

/**
 * `!admin` (actors/admin, docs/guides/ADMIN_COMMANDS.md): what its audit records hold. Each is a
 * record of Rosey's audit log in the `admin` namespace, `rosey.db.audit.admin.record` →
 * `rosey.audit.admin.<action>`, where `action` is the admin verb (`reload`, `confirm`, …), `flood`
 * for a user refused for typing too many, or `unknown` for a verb that does not exist.
 */
export const ADMIN_COMMAND = 'admin';

export const ADMIN_VERBS = [
  'help',
  'list',
  'status',
  'reload',
  'restart',
  'enable',
  'disable',
  'metrics',
  'confirm',
] as const;
export type AdminVerb = (typeof ADMIN_VERBS)[number];

/** The verbs that change what runs: each waits for `!admin confirm <code>`. */
export const DESTRUCTIVE_VERBS = ['reload', 'restart', 'enable', 'disable'] as const;
export type DestructiveVerb = (typeof DESTRUCTIVE_VERBS)[number];

export const ADMIN_OUTCOMES = [
  /** Done, and it worked. */
  'ok',
  /** Allowed, but what it asked of Rosey failed (the plugin manager's answer is the reason). */
  'failed',
  /** A destructive verb waiting for its confirmation code. */
  'pending',
  /** Not allowed: not an admin, too low a rank, a bad or stale code, flooding, bad arguments. */
  'refused',
] as const;

/** The `detail` of an `admin.*` audit record: who (platform, user, rank), what, and the outcome. */
export const adminAuditDetailSchema = z.looseObject({
  platform: z.string(),
  channel: z.string(),
  user: z.string(),
  rank: z.number(),
  /** The line's words after `!admin` (cut short). */
  args: z.array(z.string()),
  outcome: z.enum(ADMIN_OUTCOMES),
  /** Why it was refused or failed. */
  reason: z.string().optional(),
  /** A destructive verb carried out after its confirmation. */
  confirmed: z.boolean().optional(),
});
export type AdminAuditDetail = z.infer<typeof adminAuditDetailSchema>;
