import { createInterface } from 'node:readline/promises';
import { Flags } from '@oclif/core';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags } from '../../config-flags.js';
import { migrationsAccess, pluginsFor } from '../../migrations-cli.js';

export default class DbRollback extends RoseyCommand {
  static override summary = "Roll back a plugin's latest migrations (asks first).";

  static override description = `Runs the DOWN sections of a plugin's most recent migrations, newest first, each in its own transaction: one by default, --steps N of them, or all above --to N. Shows what it will undo and asks for confirmation unless --yes (without a terminal, --yes is required).`;

  static override examples = [
    '<%= config.bin %> db rollback --plugin quote-db',
    '<%= config.bin %> db rollback --plugin quote-db --to 1 --yes',
  ];

  static override flags = {
    plugin: Flags.string({
      char: 'p',
      description: 'The plugin (optional when only one has migrations).',
      helpValue: 'NAME',
    }),
    steps: Flags.integer({
      description: 'How many migrations to roll back (default 1).',
      min: 1,
      exclusive: ['to'],
      helpValue: 'N',
    }),
    to: Flags.integer({
      description: 'Roll back every migration above this version.',
      min: 0,
      exclusive: ['steps'],
      helpValue: 'N',
    }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation.' }),
    'dry-run': Flags.boolean({ description: 'Check and rehearse; change nothing.' }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(DbRollback);
    const fail: (message: string) => never = (message) => this.fail(message);
    const loaded = configFor(flags, {}, fail);
    const access = await migrationsAccess(loaded, flags, fail);
    try {
      const candidates = pluginsFor(access, flags.plugin, 'with-migrations', fail);
      if (candidates.length === 0) fail('no plugin has migrations');
      if (candidates.length > 1)
        fail(`name the plugin to roll back with --plugin (one of: ${candidates.join(', ')})`);
      const plugin = candidates[0]!;
      const payload = {
        count: flags.to === undefined ? (flags.steps ?? 1) : undefined,
        to_version: flags.to,
      };
      const plan = await access.rollback(plugin, { ...payload, dry_run: true });
      if (!plan.ok) return fail(`${plugin}: ${plan.error.message}`);
      const { steps, warnings } = plan.data;
      if (steps.length === 0) {
        this.log(`${plugin}: nothing to roll back`);
        return;
      }
      // Before anything is undone (and before the question): DOWN sections usually drop data.
      for (const warning of warnings) this.log(`${plugin}: warning: ${warning}`);
      if (flags['dry-run']) {
        for (const step of steps) this.log(`${plugin}: would roll back ${step.name}`);
        return;
      }
      if (!flags.yes) {
        if (!process.stdin.isTTY) fail('refusing to roll back without --yes (no terminal to ask on)');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(
          `Roll back ${plugin}: ${steps.map((s) => s.name).join(', ')}? Data in them may be lost. [y/N] `,
        );
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) fail('not rolled back');
      }
      const result = await access.rollback(plugin, {
        ...payload,
        actor: this.actor(),
      });
      if (!result.ok) return fail(`${plugin}: ${result.error.message}`);
      const report = result.data;
      for (const step of report.steps)
        this.log(`${plugin}: rolled back ${step.name} (${step.durationMs} ms)`);
      this.log(`${plugin}: now at version ${report.currentVersion}`);
    } finally {
      await access.close();
    }
  }
}
