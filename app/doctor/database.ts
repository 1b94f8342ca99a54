import { existsSync } from 'node:fs';
import { describeTarget, resolveDatabase } from '../../actors/database/target.js';
import { errorMessage } from '../../contract/result.js';
import type { ControlTarget } from '../control-client.js';
import type { LoadedConfig } from '../config/load.js';
import { viaDatabase, viaRosey, type MigrationsAccess } from '../migrations-access.js';
import { pluginsToRun } from '../start-rosey.js';
import { failed, ok, warn, type CheckResult } from './doctor-check.js';

/**
 * The database answers and every plugin's migrations are in order: through the running Rosey's
 * migrator when there is one (the same answer `rosey db status` gives), else on the database itself.
 */
export async function checkDatabase(
  loaded: LoadedConfig,
  running: ControlTarget | undefined,
): Promise<CheckResult> {
  let target;
  try {
    target = resolveDatabase(loaded.config.database.url, loaded.dataDir);
  } catch (error) {
    return failed('database', errorMessage(error), 'fix database.url (or DATABASE_URL)');
  }
  const name = describeTarget(target);
  // Opening a missing SQLite file would create it: a check must not.
  if (!running && target.kind === 'sqlite' && !existsSync(target.file))
    return ok('database', `${name} (created at the first start)`);
  let access: MigrationsAccess;
  try {
    access = running ? await viaRosey(loaded, running) : await viaDatabase(loaded);
  } catch (error) {
    return failed(
      'database',
      `${name}: ${errorMessage(error)}`,
      target.kind === 'postgresql'
        ? 'check that PostgreSQL runs and that database.url (or DATABASE_URL) names a role that may connect'
        : 'check the file and its folder’s permissions',
    );
  }
  // A disabled plugin's pending migrations wait for it to be enabled: nothing to do about them now.
  const enabled = new Set(pluginsToRun(loaded).plugins.map((p) => p.manifest.name));
  try {
    const problems: string[] = [];
    const pending: string[] = [];
    for (const plugin of [...access.withMigrations].sort()) {
      const status = await access.status(plugin);
      if (!status.ok) problems.push(`${plugin}: ${status.error.message}`);
      else if (status.data.problems.length > 0) problems.push(`${plugin}: ${status.data.problems[0]}`);
      else if (status.data.pending.length > 0 && enabled.has(plugin))
        pending.push(`${plugin} (${status.data.pending.length})`);
    }
    if (problems.length > 0)
      return failed('database', `${name}: ${problems.join('; ')}`, 'see rosey db status for the details');
    if (pending.length > 0 && running)
      return warn('database', `${name}: migrations pending for ${pending.join(', ')}`, 'rosey db migrate');
    return ok(
      'database',
      `${name}, migrations ${pending.length > 0 ? `pending for ${pending.join(', ')} (applied at start)` : 'up to date'}`,
    );
  } finally {
    await access.close();
  }
}
