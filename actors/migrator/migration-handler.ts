import type { Database } from '../database/open.js';
import { MigrationService, type MigrateRequest } from './migration-service.js';
import type { DatabaseHandler } from '../database/thread-protocol.js';

export interface MigrationHandlerOptions {
  /** Plugin name → its migrations folder. */
  migrationDirs: ReadonlyMap<string, string>;
  lockTimeoutMs?: number;
  /** Folders of plugin folders (installed plugins), for plugins that arrive while Rosey runs. */
  pluginRoots?: string[];
}

/** The migration service as it runs in the migrator's database thread. */
export function migrationHandler(db: Database, options: unknown): DatabaseHandler {
  const { migrationDirs, lockTimeoutMs, pluginRoots } = options as MigrationHandlerOptions;
  const service = new MigrationService(db, migrationDirs, { lockTimeoutMs, pluginRoots });
  return { handle: (request) => service.handle(request as MigrateRequest) };
}
