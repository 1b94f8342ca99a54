import type { z } from './zod.js';
import { err, ok, type Result } from './result.js';

/** Validates a decoded payload; the message names the first bad field, e.g. `args.0: expected string`. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): Result<z.infer<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return err('VALIDATION_ERROR', `${where}${issue?.message ?? 'invalid payload'}`);
}
