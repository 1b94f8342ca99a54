import { roseyRequest } from '../kernel/runtime/control-client.js';
import { subjects } from '../kernel/subjects.js';
import { targetFor } from './config-flags.js';

/**
 * One request to the running Rosey's plugin manager. Failures become one line: Rosey not running,
 * or the manager's own reason (unknown plugin, reload refused or failed).
 */
export async function pluginRequest(
  flags: { config?: string; 'data-dir'?: string; 'nats-url'?: string },
  verb: 'list' | 'reload',
  payload: unknown,
  fail: (message: string) => never,
  timeoutMs = 5000,
): Promise<unknown> {
  const target = targetFor(flags, fail);
  const result = await roseyRequest(target, subjects.pluginControl(verb), payload, timeoutMs);
  if (result.ok) return result.data;
  return fail(result.error.message);
}
