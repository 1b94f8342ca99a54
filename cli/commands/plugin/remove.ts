import { pluginChangeReplySchema } from '../../../contract/messages/plugins.js';
import { createInterface } from 'node:readline/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { removePlugin } from '../../../plugin-packages/install-package.js';
import { MANIFEST_FILE } from '../../../plugin-packages/manifest.js';
import { installedPluginsDir, setDisabled } from '../../../plugin-packages/plugin-switches.js';
import { connectToRosey } from '../../../app/control-client.js';
import { purgeKeyValues } from '../../../app/plugin-data.js';
import { errorMessage } from '../../../contract/result.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags, targetFor } from '../../config-flags.js';
import { migrationsAccess } from '../../migrations-cli.js';
import { managerCall, runningPlugin, runningRosey } from '../../plugin-cli.js';

export default class PluginRemove extends RoseyCommand {
  static override summary =
    'Remove an installed plugin (stopping it if Rosey runs); --purge-data also deletes its data.';

  static override description = `Stops the plugin if the running Rosey runs it, then deletes <dataDir>/plugins/<name>. Its tables and key-value entries stay, so installing it again finds them, unless --purge-data: then every migration is rolled back (their DOWN sections drop its tables) and its key-value entries are deleted, after a confirmation (--yes without a terminal). Built-in plugins and those in plugins.paths are not removed: disable them.`;

  static override examples = [
    '<%= config.bin %> plugin remove greeter',
    '<%= config.bin %> plugin remove greeter --purge-data --yes',
  ];

  static override args = { name: Args.string({ description: 'The installed plugin.', required: true }) };

  static override flags = {
    'purge-data': Flags.boolean({ description: 'Also drop its tables and delete its key-value entries.' }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask before purging data.' }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginRemove);
    const fail = (m: string) => this.fail(m);
    const loaded = configFor(flags, {}, fail);
    const pluginsDir = installedPluginsDir(loaded.dataDir);
    const name = args.name;
    if (!existsSync(join(pluginsDir, name, MANIFEST_FILE)))
      fail(
        `${name} is not installed in ${pluginsDir} (built-in plugins and those in plugins.paths are not removed: \`rosey plugin disable ${name}\`)`,
      );
    const target = runningRosey(flags, fail) ? targetFor(flags, fail) : undefined;
    const done: string[] = [];
    try {
      if (flags['purge-data'] && !flags.yes) {
        if (!process.stdin.isTTY) fail('refusing to purge data without --yes (no terminal to ask on)');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`Remove ${name} and delete all its tables and keys? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) fail('not removed');
      }
      if (target && (await runningPlugin(target, name))) {
        await managerCall(target, 'stop', { plugin: name }, pluginChangeReplySchema);
        done.push('stopped it');
      }
      if (flags['purge-data']) done.push(...(await this.purge(loaded, flags, name, target)));
      const removed = await removePlugin(name, pluginsDir);
      setDisabled(loaded.dataDir, name, false);
      this.log(
        `removed ${name}${removed.version ? ` ${removed.version}` : ''}${done.length ? ` (${done.join('; ')})` : ''}`,
      );
    } catch (error) {
      if (error instanceof Error && 'oclif' in error) throw error;
      fail(`${errorMessage(error)}${done.length ? ` (already done: ${done.join('; ')})` : ''}`);
    }
  }

  /** Rolls back all its migrations, then deletes its keys; returns what it did, for the summary. */
  private async purge(
    loaded: ReturnType<typeof configFor>,
    flags: { config?: string; 'data-dir'?: string; 'nats-url'?: string },
    name: string,
    target: ReturnType<typeof targetFor> | undefined,
  ): Promise<string[]> {
    const fail = (m: string) => this.fail(m);
    const did: string[] = [];
    const access = await migrationsAccess(loaded, flags, fail);
    try {
      if (access.withMigrations.has(name)) {
        const result = await access.rollback(name, { to_version: 0, actor: this.actor() });
        if (!result.ok) throw new Error(`rolling back its migrations: ${result.error.message}`);
        const { steps } = result.data;
        did.push(
          steps.length ? `rolled back ${steps.map((s) => s.name).join(', ')}` : 'no migrations to roll back',
        );
      }
    } finally {
      await access.close();
    }
    const nc = target ? await connectToRosey(target) : undefined;
    try {
      const keys = await purgeKeyValues(loaded, name, nc);
      did.push(`deleted ${keys} key${keys === 1 ? '' : 's'}`);
    } finally {
      await nc?.close();
    }
    return did;
  }
}
