import { Flags } from '@oclif/core';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags } from '../../config-flags.js';
import { migrationsAccess, pluginsFor } from '../../migrations-cli.js';

export default class DbMigrate extends RoseyCommand {
  static override summary = "Apply plugins' pending migrations.";

  static override description = `Applies each plugin's pending SQL migrations (plugins/<name>/migrations/NNN_description.sql), each in its own transaction, through the running Rosey or directly on the database when it is stopped. --dry-run checks and rehearses them in a transaction that is rolled back. Exits 1 if any fails; what failed is not kept.`;

  static override examples = [
    '<%= config.bin %> db migrate',
    '<%= config.bin %> db migrate --plugin quote-db --to 2',
    '<%= config.bin %> db migrate --dry-run',
  ];

  static override flags = {
    plugin: Flags.string({ char: 'p', description: 'Only this plugin.', helpValue: 'NAME' }),
    to: Flags.integer({ description: 'Apply up to this version (needs --plugin).', min: 0, helpValue: 'N' }),
    'dry-run': Flags.boolean({ description: 'Check and rehearse; change nothing.' }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DbMigrate);
    const fail: (message: string) => never = (message) => this.fail(message);
    if (flags.to !== undefined && !flags.plugin) fail('--to needs --plugin');
    const loaded = configFor(flags, {}, fail);
    const access = await migrationsAccess(loaded, flags, fail);
    const errors: string[] = [];
    try {
      const plugins = pluginsFor(access, flags.plugin, 'with-migrations', fail);
      if (plugins.length === 0) this.log('No plugin has migrations.');
      for (const plugin of plugins) {
        const result = await access.apply(plugin, {
          to_version: flags.to,
          dry_run: flags['dry-run'],
          actor: this.actor(),
        });
        if (!result.ok) {
          errors.push(`${plugin}: ${result.error.message}`);
          continue;
        }
        const report = result.data;
        const verb = report.dryRun ? 'would apply' : 'applied';
        if (report.steps.length === 0) this.log(`${plugin}: up to date (version ${report.currentVersion})`);
        for (const step of report.steps) {
          this.log(`${plugin}: ${verb} ${step.name}${report.dryRun ? '' : ` (${step.durationMs} ms)`}`);
        }
        for (const warning of report.warnings) this.log(`${plugin}: warning: ${warning}`);
      }
    } finally {
      await access.close();
    }
    if (errors.length > 0) fail(errors.join('; '));
  }
}
