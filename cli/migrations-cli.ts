import type { LoadedConfig } from '../app/config/load.js';
import { NotRunningError } from '../app/control-client.js';
import { viaDatabase, viaRosey, type MigrationsAccess } from '../app/migrations-access.js';
import { errorMessage } from '../contract/result.js';
import { targetFor } from './config-flags.js';

/**
 * The running Rosey when there is one (its migrator does the work), else the database directly.
 * Both use the same runner, so locks, checksums and history are the same either way.
 */
export async function migrationsAccess(
  loaded: LoadedConfig,
  flags: { config?: string; 'data-dir'?: string; 'nats-url'?: string },
  fail: (message: string) => never,
): Promise<MigrationsAccess> {
  let target;
  try {
    target = targetFor(flags, (message) => {
      throw new NotRunningError(message);
    });
  } catch (error) {
    if (!(error instanceof NotRunningError)) throw error;
  }
  try {
    return target ? await viaRosey(loaded, target) : await viaDatabase(loaded);
  } catch (error) {
    return fail(errorMessage(error));
  }
}

/**
 * The plugins a command works on: the one named, else every plugin (`all`) or every plugin that
 * has migration files (`with-migrations`).
 */
export function pluginsFor(
  access: MigrationsAccess,
  plugin: string | undefined,
  which: 'all' | 'with-migrations',
  fail: (message: string) => never,
): string[] {
  if (plugin !== undefined) {
    if (!access.plugins.has(plugin))
      fail(`no plugin ${plugin} (known: ${[...access.plugins.keys()].sort().join(', ') || 'none'})`);
    return [plugin];
  }
  const names = which === 'all' ? [...access.plugins.keys()] : [...access.withMigrations];
  return names.sort();
}
