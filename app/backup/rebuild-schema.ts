/**
 * A restore's target schema, from the migrations: Rosey's core tables are there already (the
 * target was opened with its core migrations), and each plugin's tables are created by running its
 * archived migrations' UP sections for the target's dialect, up to the version the backup was at.
 * The SQL goes through the migration validator first, as the migrator's own runs do: an archive's
 * migrations may only create and change that plugin's own tables.
 */
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Database } from '../../actors/database/open.js';
import { loadMigrationsDir, sqlFor } from '../../actors/migrator/migration-file.js';
import { validateMigrationSql } from '../../actors/migrator/sql-validator.js';
import { errorMessage } from '../../contract/result.js';
import { BackupError, type BackupManifest } from './backup-format.js';

/** Core tables (the ones a restore empties and refills instead of recreating): `rosey_*`, not a plugin's `x__y`. */
export const isCoreTable = (name: string) => name.startsWith('rosey_') && !name.includes('__');

/** Runs every plugin's UP sections up to its backed-up version, inside `trx`. */
export async function createPluginTables(
  trx: Knex.Transaction,
  db: Pick<Database, 'dialect' | 'sqliteVersion'>,
  manifest: BackupManifest,
  staging: string,
): Promise<void> {
  for (const plugin of manifest.plugins) {
    if (plugin.migrationVersion === 0) continue;
    let files;
    try {
      files = loadMigrationsDir(join(staging, 'migrations', plugin.name));
    } catch (error) {
      throw new BackupError('BAD_ARCHIVE', `${plugin.name}'s migrations: ${errorMessage(error)}`);
    }
    const wanted = files.filter((m) => m.version <= plugin.migrationVersion);
    if (wanted.at(-1)?.version !== plugin.migrationVersion)
      throw new BackupError(
        'BAD_ARCHIVE',
        `${plugin.name} was at migration version ${plugin.migrationVersion}, but the archive has no such migration`,
      );
    for (const migration of wanted) {
      const checked = validateMigrationSql(sqlFor(migration, 'up', db.dialect), {
        plugin: plugin.name,
        dialect: db.dialect,
        sqliteVersion: db.sqliteVersion,
        requireStatements: true,
      });
      if (checked.errors.length > 0)
        throw new BackupError('BAD_ARCHIVE', `${plugin.name}: ${migration.fileName}: ${checked.errors[0]}`);
      for (const statement of checked.statements) {
        try {
          await trx.raw(statement);
        } catch (error) {
          throw new BackupError(
            'FAILED',
            `${plugin.name}: ${migration.fileName}: ${errorMessage(error).split('\n')[0]}`,
          );
        }
      }
    }
  }
}
