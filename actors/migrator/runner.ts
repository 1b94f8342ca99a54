import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from '../database/open.js';
import { StorageError, fail, fromDatabaseError } from '../database/storage-error.js';
import {
  isReversible,
  loadMigrationsDir,
  MigrationFormatError,
  sqlFor,
  type Direction,
  type ParsedMigration,
} from './migration-file.js';
import { validateMigrationSql } from './sql-validator.js';
import type { RunReport, StatusReport, StepReport } from '../../contract/messages/migrations.js';

const HISTORY = 'rosey_plugin_migrations';
const LOCKS = 'rosey_migration_locks';
const AUDIT = 'rosey_audit';

export interface RunOptions {
  /** Apply up to (or roll back down to) this version. */
  toVersion?: number;
  /** Roll back this many migrations (default 1). */
  count?: number;
  /** Check and run everything inside a transaction that is rolled back: nothing changes. */
  dryRun?: boolean;
  /** Who asked (recorded in the history). */
  actor?: string;
}

interface HistoryRow {
  version: number;
  name: string;
  checksum: string;
  action: string;
  status: string;
  actor: string;
  at: number | string;
  duration_ms: number;
}

/** A migration that may not run: its SQL breaks the rules (namespace, statement kinds, dialect). */
const describeFirst = (file: string, errors: string[]) =>
  `${file}: ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;

/**
 * Applies and rolls back one plugin's SQL migrations: each migration in its own transaction (DDL
 * included), checksums recorded and checked, a lock row so two runs — even from two processes —
 * cannot interleave, and an append-only history of every attempt with who, when, how long, and the
 * database's message when it failed.
 */
export class MigrationRunner {
  constructor(
    private readonly db: Database,
    private readonly options: { lockTimeoutMs?: number; lockTtlMs?: number; now?: () => number } = {},
  ) {}

  private get knex(): Knex {
    return this.db.knex;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async status(plugin: string, dir: string): Promise<StatusReport> {
    return this.guard(async () => {
      const files = this.load(dir);
      const report = this.report(plugin, files, await this.appliedRecords(plugin));
      const history = (await this.knex(HISTORY)
        .select('version', 'name', 'action', 'status', 'actor', 'at', 'duration_ms', 'error')
        .where({ plugin })
        .orderBy('id', 'desc')
        .limit(20)) as Array<HistoryRow & { error: string | null }>;
      report.history = history.map((h) => ({
        version: h.version,
        name: h.name,
        action: h.action,
        status: h.status,
        actor: h.actor,
        at: Number(h.at),
        durationMs: h.duration_ms,
        error: h.error,
      }));
      return report;
    });
  }

  async apply(plugin: string, dir: string, options: RunOptions = {}): Promise<RunReport> {
    return this.guard(() =>
      this.locked(plugin, async () => {
        const files = this.load(dir);
        const { applied } = this.consistent(plugin, files, await this.appliedRecords(plugin));
        const target = options.toVersion ?? Infinity;
        const latest = files.at(-1)?.version ?? 0;
        if (target !== Infinity && target > latest)
          fail('NOT_FOUND', `there is no migration ${target} (the latest is ${latest})`);
        const pending = files.filter((m) => !applied.has(m.version) && m.version <= target);
        // Asked for a version it is already past, with nothing left below it: say how to go down.
        if (pending.length === 0 && target < this.current(applied))
          fail(
            'NOT_FOUND',
            `it is at version ${this.current(applied)}: nothing up to ${target} to apply (to go down, roll back to ${target})`,
          );
        const plans = pending.map((m) => this.plan(plugin, m, 'up'));
        return this.run(plugin, plans, applied, 'apply', options);
      }),
    );
  }

  async rollback(plugin: string, dir: string, options: RunOptions = {}): Promise<RunReport> {
    return this.guard(() =>
      this.locked(plugin, async () => {
        const files = this.load(dir);
        const { applied } = this.consistent(plugin, files, await this.appliedRecords(plugin));
        const newestFirst = [...applied.values()].sort((a, b) => b.version - a.version);
        const current = this.current(applied);
        if (options.toVersion !== undefined && options.toVersion > current)
          fail('NOT_FOUND', `it is at version ${current}: nothing above ${options.toVersion} to roll back`);
        const chosen =
          options.toVersion !== undefined
            ? newestFirst.filter((m) => m.version > options.toVersion!)
            : newestFirst.slice(0, options.count ?? 1);
        for (const m of chosen) {
          if (!isReversible(m, this.db.dialect))
            fail('IRREVERSIBLE', `${m.fileName} has an empty DOWN section: it cannot be rolled back`);
        }
        const plans = chosen.map((m) => this.plan(plugin, m, 'down'));
        return this.run(plugin, plans, applied, 'rollback', options);
      }),
    );
  }

  private load(dir: string): ParsedMigration[] {
    try {
      return loadMigrationsDir(dir);
    } catch (error) {
      if (error instanceof MigrationFormatError) fail('VALIDATION_FAILED', error.message);
      throw error;
    }
  }

  /** Version → the history row that applied it, for every version currently applied. */
  private async appliedRecords(plugin: string): Promise<Map<number, HistoryRow>> {
    const rows = (await this.knex(HISTORY)
      .select('version', 'name', 'checksum', 'action', 'status', 'actor', 'at', 'duration_ms')
      .where({ plugin })
      .whereIn('status', ['applied', 'rolled_back'])
      .orderBy('id', 'asc')) as HistoryRow[];
    const latest = new Map<number, HistoryRow>();
    for (const row of rows) latest.set(row.version, row);
    for (const [version, row] of latest) if (row.status !== 'applied') latest.delete(version);
    return latest;
  }

  /**
   * The applied migrations as their files (for the DOWN sections), and what does not add up: an
   * applied file that was edited afterwards or has disappeared.
   */
  private reconcile(files: ParsedMigration[], records: Map<number, HistoryRow>) {
    const byVersion = new Map(files.map((m) => [m.version, m]));
    const applied = new Map<number, ParsedMigration>();
    const problems: string[] = [];
    for (const [version, record] of records) {
      const file = byVersion.get(version);
      if (!file) problems.push(`applied migration ${record.name} is missing from the plugin's migrations`);
      else if (file.checksum !== record.checksum) {
        problems.push(
          `${file.fileName} was changed after it was applied (checksum ${file.checksum.slice(0, 12)}… ≠ ${record.checksum.slice(0, 12)}…)`,
        );
      }
      if (file) applied.set(version, file);
    }
    return { applied, problems };
  }

  /** Like reconcile, but any problem stops the run: nothing is applied on top of an unknown state. */
  private consistent(plugin: string, files: ParsedMigration[], records: Map<number, HistoryRow>) {
    const result = this.reconcile(files, records);
    if (result.problems.length > 0) {
      const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : '';
      fail('CHECKSUM_MISMATCH', `${result.problems[0]}${more}`);
    }
    return result;
  }

  private report(plugin: string, files: ParsedMigration[], records: Map<number, HistoryRow>): StatusReport {
    const { problems } = this.reconcile(files, records);
    return {
      plugin,
      currentVersion: this.current(records),
      availableVersion: files.at(-1)?.version ?? 0,
      applied: [...records.values()]
        .sort((a, b) => a.version - b.version)
        .map((r) => ({
          version: r.version,
          name: r.name,
          checksum: r.checksum,
          at: Number(r.at),
          actor: r.actor,
          durationMs: r.duration_ms,
        })),
      pending: files
        .filter((m) => !records.has(m.version))
        .map((m) => ({ version: m.version, name: m.fileName })),
      problems,
      history: [],
    };
  }

  private current(applied: Map<number, unknown>): number {
    return Math.max(0, ...applied.keys());
  }

  private plan(plugin: string, migration: ParsedMigration, direction: Direction) {
    const sql = sqlFor(migration, direction, this.db.dialect);
    const result = validateMigrationSql(sql, {
      plugin,
      dialect: this.db.dialect,
      sqliteVersion: this.db.sqliteVersion,
      requireStatements: direction === 'up',
    });
    if (result.errors.length > 0)
      fail(
        'VALIDATION_FAILED',
        describeFirst(`${migration.fileName} (${direction.toUpperCase()})`, result.errors),
      );
    return {
      migration,
      direction,
      statements: result.statements,
      warnings: result.warnings.map((w) => `${migration.fileName}: ${w}`),
      step: { version: migration.version, name: migration.fileName },
    };
  }

  /** Runs the plans in one transaction that is always rolled back: proves they would work. */
  private async rehearse(plans: Array<ReturnType<MigrationRunner['plan']>>): Promise<void> {
    const REHEARSAL = new Error('rehearsal');
    try {
      await this.knex.transaction(async (trx) => {
        for (const plan of plans) {
          for (const [i, statement] of plan.statements.entries()) {
            try {
              await trx.raw(statement);
            } catch (error) {
              fail(
                'MIGRATION_FAILED',
                `${plan.migration.fileName} statement ${i + 1}: ${fromDatabaseError(error).message}`,
              );
            }
          }
        }
        throw REHEARSAL;
      });
    } catch (error) {
      if (error !== REHEARSAL) throw error;
    }
  }

  /**
   * Carries out planned steps in order (or, for a dry run, only rehearses them), keeping `applied`
   * in step so the report's version is the one reached.
   */
  private async run(
    plugin: string,
    plans: Array<ReturnType<MigrationRunner['plan']>>,
    applied: Map<number, ParsedMigration>,
    action: 'apply' | 'rollback',
    options: RunOptions,
  ): Promise<RunReport> {
    const warnings = plans.flatMap((p) => p.warnings);
    if (options.dryRun) {
      await this.rehearse(plans);
      return {
        plugin,
        dryRun: true,
        steps: plans.map((p) => ({ ...p.step, durationMs: 0 })),
        currentVersion: this.current(applied),
        warnings,
      };
    }
    const actor = options.actor ?? 'unknown';
    const verb = action === 'apply' ? 'applied' : 'rolled back';
    const steps: StepReport[] = [];
    for (const plan of plans) {
      steps.push(await this.afterDone(steps, verb, () => this.execute(plugin, plan, action, actor)));
      if (action === 'apply') applied.set(plan.migration.version, plan.migration);
      else applied.delete(plan.migration.version);
    }
    return { plugin, dryRun: false, steps, currentVersion: this.current(applied), warnings };
  }

  /**
   * Runs one step of a run; if it fails after others succeeded, says which did: they stay done
   * (each is its own transaction), and the caller must not think the run changed nothing.
   */
  private async afterDone(
    done: StepReport[],
    verb: string,
    step: () => Promise<StepReport>,
  ): Promise<StepReport> {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof StorageError) || done.length === 0) throw error;
      throw new StorageError(
        error.code,
        `${error.message} (${verb} before it, and kept: ${done.map((s) => s.name).join(', ')})`,
      );
    }
  }

  private async execute(
    plugin: string,
    plan: ReturnType<MigrationRunner['plan']>,
    action: 'apply' | 'rollback',
    actor: string,
  ): Promise<StepReport> {
    const { migration } = plan;
    const started = this.now();
    const record = (status: string, durationMs: number, error: string | null) => ({
      plugin,
      version: migration.version,
      name: migration.fileName,
      checksum: migration.checksum,
      action,
      status,
      actor,
      at: this.now(),
      duration_ms: durationMs,
      error,
    });
    try {
      await this.knex.transaction(async (trx) => {
        for (const [i, statement] of plan.statements.entries()) {
          try {
            await trx.raw(statement);
          } catch (error) {
            throw new StorageError(
              'MIGRATION_FAILED',
              `statement ${i + 1}: ${fromDatabaseError(error).message}`,
            );
          }
        }
        const durationMs = Math.round(this.now() - started);
        await trx(HISTORY).insert(record(action === 'apply' ? 'applied' : 'rolled_back', durationMs, null));
        await trx(AUDIT).insert({
          at: this.now(),
          actor,
          action: `migration.${action}`,
          target: plugin,
          detail: JSON.stringify({ version: migration.version, name: migration.fileName, durationMs }),
        });
      });
    } catch (error) {
      const why = error instanceof StorageError ? error.message : fromDatabaseError(error).message;
      await this.knex(HISTORY).insert(record('failed', Math.round(this.now() - started), why));
      fail('MIGRATION_FAILED', `${migration.fileName} failed (${action}): ${why}; nothing of it was kept`);
    }
    return {
      version: migration.version,
      name: migration.fileName,
      durationMs: Math.round(this.now() - started),
    };
  }

  /** Holds the plugin's lock row around `work`; waits up to lockTimeoutMs for another holder. */
  private async locked<T>(plugin: string, work: () => Promise<T>): Promise<T> {
    const holder = `${process.pid}:${randomUUID()}`;
    const deadline = this.now() + (this.options.lockTimeoutMs ?? 10_000);
    const ttl = this.options.lockTtlMs ?? 10 * 60_000;
    for (;;) {
      const now = this.now();
      // A lock left by a process that died is taken over once it has expired.
      await this.knex(LOCKS).where({ plugin }).andWhere('expires_at', '<', now).delete();
      const inserted = await this.knex(LOCKS)
        .insert({ plugin, holder, acquired_at: now, expires_at: now + ttl })
        .onConflict('plugin')
        .ignore();
      const [row] = (await this.knex(LOCKS).select('holder').where({ plugin })) as Array<{ holder: string }>;
      if (row?.holder === holder) break;
      void inserted;
      if (this.now() > deadline)
        fail(
          'LOCK_TIMEOUT',
          `another migration run holds the lock of plugin ${plugin}; try again when it is done`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      return await work();
    } finally {
      await this.knex(LOCKS).where({ plugin, holder }).delete();
    }
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw fromDatabaseError(error);
    }
  }
}
