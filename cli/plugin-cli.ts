import type { LoadedConfig } from '../app/config/load.js';
import type { LoadedPlugin } from '../plugin-packages/manifest.js';
import { pluginsToRun } from '../app/start-rosey.js';
import { roseyRequest } from '../app/control-client.js';
import type { z } from '../contract/zod.js';
import { pluginListReplySchema, type PluginRow } from '../contract/messages/plugins.js';
import { subjects } from '../contract/subjects.js';
import { locateRosey, NotRunningError, type ControlTarget } from '../app/control-client.js';
import { configFor, targetFor } from './config-flags.js';

/**
 * One request to the running Rosey's plugin manager. Failures become one line: Rosey not running,
 * or the manager's own reason (unknown plugin, reload refused or failed).
 */
export async function pluginRequest<S extends z.ZodType>(
  flags: { config?: string; 'data-dir'?: string; 'nats-url'?: string },
  verb: 'list' | 'info' | 'reload' | 'start' | 'stop',
  payload: unknown,
  reply: S,
  fail: (message: string) => never,
  timeoutMs = 5000,
): Promise<z.output<S>> {
  const target = targetFor(flags, fail);
  const result = await roseyRequest(target, subjects.pluginControl(verb), payload, { reply, timeoutMs });
  if (result.ok) return result.data;
  return fail(result.error.message);
}

/** Whether a Rosey runs with this configuration's data directory (or `--nats-url` was given). */
export function runningRosey(
  flags: { config?: string; 'data-dir'?: string; 'nats-url'?: string },
  fail: (message: string) => never,
): boolean {
  const { dataDir } = configFor(flags, {}, fail);
  try {
    locateRosey({ dataDir, natsUrl: flags['nats-url'] });
    return true;
  } catch (error) {
    if (error instanceof NotRunningError) return false;
    throw error;
  }
}

/** A plugin row of `rosey.control.plugin.list`, when the running Rosey runs that plugin. */
export async function runningPlugin(target: ControlTarget, name: string): Promise<PluginRow | undefined> {
  const listed = await roseyRequest(
    target,
    subjects.pluginControl('list'),
    {},
    { reply: pluginListReplySchema },
  );
  if (!listed.ok) throw new Error(listed.error.message);
  return listed.data.plugins.find((p) => p.name === name);
}

/** One plugin-manager request that throws its one-line reason (for use inside an install or removal). */
export async function managerCall<S extends z.ZodType>(
  target: ControlTarget,
  verb: 'reload' | 'start' | 'stop',
  payload: unknown,
  reply: S,
  timeoutMs = 10 * 60_000,
): Promise<z.output<S>> {
  const result = await roseyRequest(target, subjects.pluginControl(verb), payload, { reply, timeoutMs });
  if (!result.ok) throw new Error(result.error.message);
  return result.data;
}

/** A plugin this configuration would run (disabled ones included); throws naming the ones it has. */
export function configuredPlugin(loaded: LoadedConfig, name: string): LoadedPlugin {
  const { plugins } = pluginsToRun(loaded, { includeDisabled: true });
  const plugin = plugins.find((p) => p.manifest.name === name);
  if (plugin) return plugin;
  const known =
    plugins
      .map((p) => p.manifest.name)
      .sort()
      .join(', ') || 'none';
  throw new Error(`no plugin named ${name} (found: ${known})`);
}
