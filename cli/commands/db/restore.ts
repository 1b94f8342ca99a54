import { Args, Flags } from '@oclif/core';
import { BackupError } from '../../../app/backup/backup-format.js';
import { findLiveRosey, stopLiveRosey } from '../../../app/backup/live-rosey.js';
import { applyRestore, planRestore, type RestorePlan } from '../../../app/backup/restore-backup.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags } from '../../config-flags.js';

export default class DbRestore extends RoseyCommand {
  static override summary = 'Restore a backup made by `rosey db backup` (verifies it first).';

  static override description = `Verifies the whole archive before anything is changed: its format version, the manifest, and every file's size and sha256; links, devices, paths outside the archive, unlisted or oversized entries are refused, and a refused archive changes nothing. Then rebuilds the database beside the current one (its schema from the migrations, its rows from the backup) and swaps it in at once: SQLite by renaming a new file over the old, which is kept as <file>.before-restore-<time>; PostgreSQL in one transaction, the replaced tables kept in the schema rosey_before_restore_<time>. The installed plugins and plugin switches are swapped too (the old ones kept as <dataDir>/plugins.before-restore-<time>). Your configuration file is not overwritten: the archived one is saved in <dataDir>/backups/. A backup of a SQLite Rosey restores into PostgreSQL and back. Refuses while a Rosey runs on this data directory unless --stop. --dry-run shows what would change and changes nothing.`;

  static override examples = [
    '<%= config.bin %> db restore data/backups/rosey-backup-20261206T120000Z.tar.gz --dry-run',
    '<%= config.bin %> db restore rosey-backup.tar.gz --stop',
    'DATABASE_URL=postgres://rosey@localhost/rosey <%= config.bin %> db restore rosey-backup.tar.gz',
  ];

  static override args = {
    file: Args.string({ description: 'The backup archive.', required: true, ignoreStdin: true }),
  };

  static override flags = {
    'dry-run': Flags.boolean({
      description: 'Verify the archive and show what would change; change nothing.',
    }),
    stop: Flags.boolean({ description: 'Stop the running Rosey first (through its control plane).' }),
    timeout: Flags.integer({
      description: 'With --stop: how long to wait for Rosey to exit, in ms.',
      default: 30_000,
      min: 100,
      helpValue: 'MS',
    }),
    ...locationFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DbRestore);
    const fail: (message: string) => never = (message) => this.fail(message);
    const loaded = configFor(flags, {}, fail);
    const live = await findLiveRosey(loaded.dataDir);
    if (live && !flags['dry-run'] && !flags.stop)
      fail(
        `Rosey is running on ${loaded.dataDir} (pid ${live.pid}${live.answering ? '' : ', not answering its control plane'}): stop it first, or pass --stop`,
      );
    let plan: RestorePlan;
    try {
      plan = await planRestore(loaded, args.file);
    } catch (error) {
      if (error instanceof BackupError) return fail(`${args.file}: ${error.message}`);
      throw error;
    }
    try {
      this.describe(plan, flags['dry-run']);
      if (flags['dry-run']) {
        if (live) this.log(`Rosey is running (pid ${live.pid}): the restore itself would need --stop.`);
        this.log('Nothing was changed (--dry-run).');
        return;
      }
      if (live) {
        const problem = await stopLiveRosey(live, flags.timeout);
        if (problem) fail(problem);
        this.log(`Stopped Rosey (pid ${live.pid}).`);
      }
      let result;
      try {
        result = await applyRestore(loaded, plan);
      } catch (error) {
        if (error instanceof BackupError) return fail(`nothing was restored: ${error.message}`);
        throw error;
      }
      this.log(`Restored ${args.file} into ${plan.database}.`);
      if (result.keptDatabase) this.log(`  the replaced database is kept: ${result.keptDatabase}`);
      if (result.keptPlugins) this.log(`  the replaced installed plugins are kept: ${result.keptPlugins}`);
      if (result.savedConfig)
        this.log(`  the backup's configuration is saved as ${result.savedConfig} (not applied)`);
      if (live) this.log('Start Rosey again with `rosey start`.');
    } finally {
      await plan.discard();
    }
  }

  private describe(plan: RestorePlan, dryRun: boolean): void {
    const { manifest } = plan;
    this.log(
      `${dryRun ? 'Would restore' : 'Restoring'} the backup of ${manifest.createdAt} (Rosey ${manifest.roseyVersion}, ${manifest.database.dialect}) into ${plan.database}:`,
    );
    const width = Math.max(5, ...plan.tables.map((t) => t.name.length));
    this.log(`  ${'table'.padEnd(width)}  ${'now'.padStart(8)}  ${'after'.padStart(8)}`);
    const cell = (n: number | undefined) => (n === undefined ? '-' : String(n)).padStart(8);
    for (const t of plan.tables) this.log(`  ${t.name.padEnd(width)}  ${cell(t.before)}  ${cell(t.after)}`);
    for (const p of plan.plugins) {
      const change =
        p.before === p.after
          ? `${p.after} (unchanged)`
          : p.after === undefined
            ? `${p.before} (not in the backup)`
            : p.before === undefined
              ? `${p.after} (not here now)`
              : `${p.before} → ${p.after}`;
      this.log(`  plugin ${p.name}: ${change}`);
    }
    const diff = plan.configDifferences;
    this.log(
      manifest.secrets === 'no-config'
        ? '  config: none in the backup'
        : `  config: ${diff.length === 0 ? 'same as now' : `differs in ${diff.length} key${diff.length > 1 ? 's' : ''}: ${diff.join(', ')}`} (secrets ${manifest.secrets}; saved, not applied)`,
    );
  }
}
