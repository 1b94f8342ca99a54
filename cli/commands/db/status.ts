import { Flags } from '@oclif/core';
import type { StatusReport } from '../../../contract/messages/migrations.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags } from '../../config-flags.js';
import { migrationsAccess, pluginsFor } from '../../migrations-cli.js';

export default class DbStatus extends RoseyCommand {
  static override summary = "Show each plugin's migrations: applied, pending, and anything wrong.";

  static override description = `Works against the running Rosey (over rosey.db.migrate.<plugin>.status), or directly on the database when Rosey is stopped. Exits 1 when a plugin's migrations have a problem (an applied file that was changed or removed) or cannot be read.`;

  static override examples = [
    '<%= config.bin %> db status',
    '<%= config.bin %> db status --plugin quote-db --json',
  ];

  static override flags = {
    plugin: Flags.string({ char: 'p', description: 'Only this plugin.', helpValue: 'NAME' }),
    json: Flags.boolean({ description: 'Print the status as JSON.' }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DbStatus);
    const fail: (message: string) => never = (message) => this.fail(message);
    const loaded = configFor(flags, {}, fail);
    const access = await migrationsAccess(loaded, flags, fail);
    try {
      const reports: StatusReport[] = [];
      const errors: string[] = [];
      for (const plugin of pluginsFor(access, flags.plugin, 'all', fail)) {
        const result = await access.status(plugin);
        if (result.ok) reports.push(result.data);
        else errors.push(`${plugin}: ${result.error.message}`);
      }
      if (flags.json) {
        this.log(JSON.stringify(reports, null, 2));
      } else {
        this.log(`Plugin migrations (via ${access.via}):`);
        const width = Math.max(8, ...reports.map((r) => r.plugin.length));
        for (const r of reports) {
          const state =
            r.availableVersion === 0
              ? 'no migrations'
              : `version ${r.currentVersion} of ${r.availableVersion}  ${r.pending.length === 0 ? 'up to date' : `pending: ${r.pending.map((p) => p.name).join(', ')}`}`;
          this.log(`  ${r.plugin.padEnd(width)}  ${state}`);
          for (const problem of r.problems) this.log(`  ${''.padEnd(width)}  problem: ${problem}`);
          // The latest attempt failing is why a plugin is down; say so without --json.
          const last = r.history[0];
          if (last?.status === 'failed')
            this.log(
              `  ${''.padEnd(width)}  last attempt failed: ${last.name} (${last.action}, ${new Date(last.at).toISOString()}, by ${last.actor}): ${last.error ?? 'no reason recorded'}`,
            );
        }
      }
      const problems = reports
        .filter((r) => r.problems.length > 0)
        .map((r) => `${r.plugin}: ${r.problems[0]}`);
      if (errors.length + problems.length > 0) fail([...errors, ...problems].join('; '));
    } finally {
      await access.close();
    }
  }
}
