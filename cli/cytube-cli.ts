import type { z } from 'zod';
import { roseyRequest } from '../app/control-client.js';
import { targetFor } from './config-flags.js';

/**
 * One request to the running Rosey's CyTube connector. Failures become one line: Rosey not
 * running, no connector configured, or the connector's own refusal.
 */
export async function cytubeRequest<S extends z.ZodType>(
  flags: { config?: string; 'data-dir'?: string; 'nats-url'?: string },
  subject: (platform: string) => string,
  reply: S,
  fail: (message: string) => never,
): Promise<z.output<S>> {
  const target = targetFor(flags, fail);
  const result = await roseyRequest(target, subject('cytube'), {}, { reply });
  if (result.ok) return result.data;
  if (result.error.code === 'NO_RESPONDERS')
    fail('this Rosey has no CyTube connector (platforms.cytube is not in its configuration)');
  return fail(result.error.message);
}
