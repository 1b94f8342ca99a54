import { MIGRATE_OPS, migrateReplies, migrateRequests } from '../../contract/messages/migrations.js';
import { err, ok, type Result } from '../../contract/result.js';
import { PLUGIN_NAME, subjects } from '../../contract/subjects.js';
import { validate } from '../../contract/validate.js';
import {
  databaseServiceMachine,
  type AnswerEffect,
  type Answered,
  type DatabaseServiceInput,
} from '../database/database-service.machine.js';
import { isOperation, readDatabaseSubject } from '../database/database-subject.js';
import type { MigrationHandlerOptions } from './migration-handler.js';
import type { MigrateRequest } from './migration-service.js';

export interface MigratorInput extends DatabaseServiceInput {
  /** Plugin name → its migrations folder (plugins without migrations map to an empty or missing folder). */
  migrationDirs: ReadonlyMap<string, string>;
  /** Folders of plugin folders searched for a plugin not in `migrationDirs` (installed while running). */
  pluginRoots?: string[];
  lockTimeoutMs?: number;
  /** How long its database thread stays open without a request; MIGRATOR_THREAD_IDLE_MS by default. */
  threadIdleMs?: number;
}

/**
 * The migrator's thread works at startup (each plugin's migrations) and when a plugin is installed
 * or migrated by hand, and sits idle in between: closed after this long, it gives back its whole
 * isolate (about 30 MB of Rosey's process, issue 16). The next request opens a thread again.
 */
export const MIGRATOR_THREAD_IDLE_MS = 30_000;

/** `rosey.db.migrate.quote-db.apply` → the request for plugin `quote-db`, or why it is not one. */
function parseMigrateSubject(subject: string, payload: unknown): Result<MigrateRequest> {
  const tokens = readDatabaseSubject(subject);
  if (!tokens || tokens.service !== 'migrate' || !PLUGIN_NAME.test(tokens.plugin))
    return err('VALIDATION_ERROR', `not a migration subject: ${subject}`);
  const { plugin, op } = tokens;
  if (!isOperation(migrateRequests, op))
    return err('VALIDATION_ERROR', `unknown migration operation ${op} (use ${MIGRATE_OPS.join(', ')})`);
  return ok({ op, plugin, payload });
}

/**
 * A real apply or rollback (not a dry run, at least one step) changed the plugin's tables: say so
 * before replying, so a caller that sends a storage request as soon as it has the reply finds
 * storage's schema cache already dropped (both leave on one connection, in this order).
 */
function announceSchemaChange({ replyId, request, result }: Answered<MigrateRequest>): AnswerEffect[] {
  const reply: AnswerEffect = { type: 'bus.reply', replyId, result };
  const { op, plugin } = request;
  if (op === 'status' || !result.ok) return [reply];
  const report = validate(migrateReplies[op], result.data);
  if (!report.ok) {
    const message = `the ${op} report of ${plugin} came back malformed (${report.error.message}): schema change not announced`;
    return [{ type: 'log', level: 'warn', message }, reply];
  }
  const { dryRun, steps } = report.data;
  if (dryRun || steps.length === 0) return [reply];
  return [
    {
      type: 'log',
      level: 'info',
      message: `migrations of ${plugin} changed its schema`,
      fields: { steps: steps.length },
    },
    { type: 'bus.publish', subject: subjects.schemaChanged(plugin), data: { plugin } },
    reply,
  ];
}

/**
 * The migrator: `rosey.db.migrate.<plugin>.apply|rollback|status` over each plugin's SQL migration
 * files. After a successful apply or rollback it publishes `rosey.db.schema.<plugin>.changed`, so
 * the storage service re-reads that plugin's tables.
 */
export const migratorMachine = databaseServiceMachine<MigratorInput, MigrateRequest>({
  id: 'migrator',
  subjects: ['rosey.db.migrate.*.*'],
  toRequest: parseMigrateSubject,
  thread: (input) => ({
    handler: {
      module: new URL('./migration-handler.js', import.meta.url).href,
      exportName: 'migrationHandler',
      options: {
        migrationDirs: input.migrationDirs,
        lockTimeoutMs: input.lockTimeoutMs,
        pluginRoots: input.pluginRoots,
      } satisfies MigrationHandlerOptions,
    },
    idleCloseMs: input.threadIdleMs ?? MIGRATOR_THREAD_IDLE_MS,
    // SQLite on the main thread, on storage's connection (shared-database.ts): a thread of its
    // own, even closed when idle, left about 10 MB of Rosey's process behind (issue 16). Its
    // statements then hold up the main thread while they run: plugin migrations are small and
    // run at startup or by hand. PostgreSQL keeps its thread.
    placement: input.target.kind === 'sqlite' ? 'main' : 'thread',
  }),
  stoppingMessage: 'the migrator is stopping',
  answer: announceSchemaChange,
  // A migration may legitimately take long; the caller's own timeout decides.
  serveTimeoutMs: 10 * 60_000,
});
