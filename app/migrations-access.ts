import type { NatsConnection } from '../contract/nats.js';
import type { z } from '../contract/zod.js';
import { checkReply, request } from '../contract/request.js';
import type { LoadedConfig } from './config/load.js';
import { openDatabase, type Database } from '../actors/database/open.js';
import { describeTarget, resolveDatabase } from '../actors/database/target.js';
import { MigrationService } from '../actors/migrator/migration-service.js';
import {
  migrateReplies,
  type migrateRequests,
  type MigrateOp,
  type RunReport,
  type StatusReport,
} from '../contract/messages/migrations.js';
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
  status(plugin: string): Promise<Result<StatusReport>>;
  apply(plugin: string, payload: z.input<typeof migrateRequests.apply>): Promise<Result<RunReport>>;
  rollback(plugin: string, payload: z.input<typeof migrateRequests.rollback>): Promise<Result<RunReport>>;
  close(): Promise<void>;
}

type Call = (op: MigrateOp, plugin: string, payload: unknown) => Promise<Result<unknown>>;

/** The three operations over one way of calling the migrator, each reply checked against its schema. */
function operations(call: Call): Pick<MigrationsAccess, 'status' | 'apply' | 'rollback'> {
  const checked = async <S extends z.ZodType>(op: MigrateOp, plugin: string, payload: unknown, schema: S) =>
    checkReply(subjects.migrate(plugin, op), schema, await call(op, plugin, payload));
  return {
    status: (plugin) => checked('status', plugin, {}, migrateReplies.status),
    apply: (plugin, payload) => checked('apply', plugin, payload, migrateReplies.apply),
    rollback: (plugin, payload) => checked('rollback', plugin, payload, migrateReplies.rollback),
  };
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
    ...operations((op, plugin, payload) =>
      request(nc, subjects.migrate(plugin, op), payload, { timeoutMs: 10 * 60_000 }),
    ),
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
    ...operations((op, plugin, payload) => service.handle({ op, plugin, payload })),
    close: () => db.close(),
  };
}
