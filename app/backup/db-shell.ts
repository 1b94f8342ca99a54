/**
 * `rosey db shell`: the database's own shell, read-only unless asked. Read-only is the shell's
 * own guard (sqlite3 `-readonly`; psql with `default_transaction_read_only`, which a user may SET
 * off again): it prevents mistakes, it is not a permission. Neither database can limit a session
 * to one plugin's tables without a database role per plugin, which Rosey does not create: naming a
 * plugin lists its tables (`<plugin>__*`) before the shell opens; the rest of the database stays
 * reachable.
 */
import { existsSync } from 'node:fs';
import { openDatabase } from '../../actors/database/open.js';
import { resolveDatabase, type DatabaseTarget } from '../../actors/database/target.js';
import { namespacePrefix } from '../../contract/messages/storage.js';
import { errorMessage } from '../../contract/result.js';
import { findExecutable } from '../../process/find-executable.js';
import type { LoadedConfig } from '../config/load.js';
import { pluginsToRun } from '../start-rosey.js';
import { listTables } from './table-rows.js';

export interface ShellCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** A line for the user before the shell opens. */
  note?: string;
}

/** Which Debian package provides each shell, for the one-line error when it is missing. */
const PACKAGES = { sqlite: ['sqlite3', 'sqlite3'], postgresql: ['psql', 'postgresql-client'] } as const;

export function shellCommand(
  target: DatabaseTarget,
  options: { write?: boolean },
): ShellCommand | { error: string } {
  const [binary, pkg] = PACKAGES[target.kind];
  const command = findExecutable(binary);
  if (!command)
    return {
      error: `${binary} is not installed: install the ${pkg} package (e.g. sudo apt-get install ${pkg})`,
    };
  if (target.kind === 'sqlite')
    return { command, args: [...(options.write ? [] : ['-readonly']), target.file], env: {} };
  const env: NodeJS.ProcessEnv = options.write ? {} : { PGOPTIONS: '-c default_transaction_read_only=on' };
  // A script stops at its first error and exits non-zero, as sqlite3 does (psql goes on and exits 0).
  return { command, args: ['-v', 'ON_ERROR_STOP=1', target.url], env };
}

/** The shell to run for this configuration, or the one-line reason it cannot be. */
export async function prepareShell(
  loaded: LoadedConfig,
  options: { write?: boolean; plugin?: string },
): Promise<ShellCommand | { error: string }> {
  let target: DatabaseTarget;
  try {
    target = resolveDatabase(loaded.config.database.url, loaded.dataDir);
  } catch (error) {
    return { error: errorMessage(error) };
  }
  if (target.kind === 'sqlite' && !existsSync(target.file))
    return { error: `there is no database at ${target.file} yet (start Rosey once)` };
  const shell = shellCommand(target, options);
  if ('error' in shell || options.plugin === undefined) return shell;
  const { plugin } = options;
  const known = pluginsToRun(loaded, { includeDisabled: true }).plugins.map((p) => p.manifest.name);
  if (!known.includes(plugin))
    return { error: `no plugin ${plugin} (known: ${known.sort().join(', ') || 'none'})` };
  const prefix = namespacePrefix(plugin);
  let tables: string[];
  try {
    const db = await openDatabase(target, { applyCoreMigrations: false });
    try {
      tables = (await listTables(db.knex, db.dialect)).map((t) => t.name).filter((n) => n.startsWith(prefix));
    } finally {
      await db.close();
    }
  } catch (error) {
    return { error: errorMessage(error) };
  }
  const mode = options.write ? '' : ', read-only';
  return {
    ...shell,
    note: `${plugin}'s tables: ${tables.join(', ') || `none yet (they are named ${prefix}*)`} (the shell reaches the whole database${mode})`,
  };
}
