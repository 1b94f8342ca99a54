import type { NatsConnection } from '@nats-io/transport-node';
import { request } from '../contract/request.js';
import type { LoadedConfig } from './config/load.js';
import { openDatabase, type Database } from '../actors/database/open.js';
import { describeTarget, resolveDatabase } from '../actors/database/target.js';
import { MigrationService } from '../actors/migrator/migration-service.js';
import { type MigrateOp } from '../contract/messages/migrations.js';
import { errorMessage, type Result } from '../contract/result.js';
import { subjects } from '../contract/subjects.js';
import { connectToRosey, type ControlTarget } from './control-client.js';
import { pluginsToRun } from './start-rosey.js';
import { hasMigrations, migrationsDir } from './child-specs.js';

/** Where `rosey db …` sends its migration requests: the running Rosey, or the database itself. */
export interface MigrationsAccess {
  /** How it is reached, for the user. */
  via: string;
  /** Plugin name → migrations folder, for every plugin this configuration runs. */
  plugins: ReadonlyMap<string, string>;
  /** The plugins among them that have migration files. */
  withMigrations: ReadonlySet<string>;
  call(op: MigrateOp, plugin: string, payload: unknown): Promise<Result<unknown>>;
  close(): Promise<void>;
}

function pluginDirs(loaded: LoadedConfig): Pick<MigrationsAccess, 'plugins' | 'withMigrations'> {
  // Disabled plugins too: their tables stay in the database, to migrate, roll back or purge.
  const { plugins } = pluginsToRun(loaded, { includeDisabled: true });
  return {
    plugins: new Map(plugins.map((p) => [p.manifest.name, migrationsDir(p)])),
    withMigrations: new Set(plugins.filter(hasMigrations).map((p) => p.manifest.name)),
  };
}

/** Through the running Rosey's migrator, over NATS. */
export async function viaRosey(loaded: LoadedConfig, target: ControlTarget): Promise<MigrationsAccess> {
  let nc: NatsConnection;
  try {
    nc = await connectToRosey(target);
  } catch (error) {
    throw new Error(`cannot reach the running Rosey: ${errorMessage(error)}`);
  }
  return {
    via: `the running Rosey${target.pid ? `, pid ${target.pid}` : ''}`,
    ...pluginDirs(loaded),
    call: (op, plugin, payload) =>
      request(nc, subjects.migrate(plugin, op), payload, { timeoutMs: 10 * 60_000 }),
    close: () => nc.close(),
  };
}

/** Straight on the database, when Rosey is not running (same runner, same locks, same history). */
export async function viaDatabase(loaded: LoadedConfig): Promise<MigrationsAccess> {
  const target = resolveDatabase(loaded.config.database.url, loaded.dataDir);
  const db: Database = await openDatabase(target);
  const dirs = pluginDirs(loaded);
  const service = new MigrationService(db, dirs.plugins);
  return {
    via: describeTarget(target),
    ...dirs,
    call: (op, plugin, payload) => service.handle({ op, plugin, payload }),
    close: () => db.close(),
  };
}
