import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../../plugin-packages/manifest.js';
import { migrateRequests, type MigrateOp } from '../../contract/messages/migrations.js';
import { validate } from '../../contract/validate.js';
import type { Database } from '../database/open.js';
import { err, ok, type Result } from '../../contract/result.js';
import { StorageError } from '../database/storage-error.js';
import { MigrationRunner } from './runner.js';

export interface MigrateRequest {
  op: MigrateOp;
  plugin: string;
  payload: unknown;
}

/**
 * The migrator's request handling: which plugin's migrations live where, and one Result for every
 * request. `migrationDirs` maps plugin name → its migrations folder.
 */
export class MigrationService {
  readonly runner: MigrationRunner;
  /** Folders of plugin folders, for plugins installed after the migrator started. */
  private readonly pluginRoots: readonly string[];

  /**
   * The plugin's migrations folder, found as plugin discovery finds the plugin (the first root
   * holding it: an upgrade installed while Rosey runs wins over the built-in copy), else a known one.
   */
  private dirOf(plugin: string): string | undefined {
    const root = this.pluginRoots.find((r) => existsSync(join(r, plugin, MANIFEST_FILE)));
    return root === undefined ? this.migrationDirs.get(plugin) : join(root, plugin, 'migrations');
  }

  constructor(
    db: Database,
    private readonly migrationDirs: ReadonlyMap<string, string>,
    options: { lockTimeoutMs?: number; pluginRoots?: readonly string[] } = {},
  ) {
    this.pluginRoots = options.pluginRoots ?? [];
    this.runner = new MigrationRunner(db, options);
  }

  async handle(request: MigrateRequest): Promise<Result<unknown>> {
    const dir = this.dirOf(request.plugin);
    if (dir === undefined) return err('NOT_FOUND', `no plugin ${request.plugin} is known to the migrator`);
    try {
      switch (request.op) {
        case 'status': {
          const checked = validate(migrateRequests.status, request.payload);
          if (!checked.ok) return checked;
          return ok(await this.runner.status(request.plugin, dir));
        }
        case 'apply': {
          const checked = validate(migrateRequests.apply, request.payload);
          if (!checked.ok) return checked;
          const p = checked.data;
          return ok(
            await this.runner.apply(request.plugin, dir, {
              toVersion: p.to_version,
              dryRun: p.dry_run,
              actor: p.actor,
            }),
          );
        }
        case 'rollback': {
          const checked = validate(migrateRequests.rollback, request.payload);
          if (!checked.ok) return checked;
          const p = checked.data;
          return ok(
            await this.runner.rollback(request.plugin, dir, {
              toVersion: p.to_version,
              count: p.count,
              dryRun: p.dry_run,
              actor: p.actor,
            }),
          );
        }
      }
    } catch (error) {
      if (error instanceof StorageError) return error.toResult();
      return err('DATABASE_ERROR', (error as Error).message?.split('\n')[0] ?? String(error));
    }
  }
}
