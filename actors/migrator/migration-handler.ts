import type { Database } from '../../kernel/database/open.js';
import { MigrationService, type MigrateRequest } from '../../kernel/migrations/migration-service.js';
import type { DatabaseHandler } from '../database/thread-protocol.js';

export interface MigrationHandlerOptions {
  /** Plugin name → its migrations folder. */
  migrationDirs: ReadonlyMap<string, string>;
  lockTimeoutMs?: number;
}

/** The migration service as it runs in the migrator's database thread. */
export function migrationHandler(db: Database, options: unknown): DatabaseHandler {
  const { migrationDirs, lockTimeoutMs } = options as MigrationHandlerOptions;
  const service = new MigrationService(db, migrationDirs, { lockTimeoutMs });
  return { handle: (request) => service.handle(request as MigrateRequest) };
}
