import { Args, Flags } from '@oclif/core';
import { relative } from 'node:path';
import { installPlugin } from '../../../plugin-packages/install-package.js';
import { installedPluginsDir, readDisabled } from '../../../plugin-packages/plugin-switches.js';
import { errorMessage } from '../../../contract/result.js';
import { pluginStartReplySchema, reloadReplySchema } from '../../../contract/messages/plugins.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags, targetFor } from '../../config-flags.js';
import { managerCall, runningPlugin, runningRosey } from '../../plugin-cli.js';

export default class PluginInstall extends RoseyCommand {
  static override summary =
    'Install a plugin from a .roseyplug package or a folder; start or upgrade it if Rosey runs.';

  static override description = `Verifies the source (manifest, checksums, no paths leaving the package, no links, size limits), refuses a lower version than the installed one unless --force, and puts it in <dataDir>/plugins/<name> (installed plugins come before built-in ones). If Rosey is running, a new plugin is started (with its own NATS user and permissions) and a running one is upgraded blue-green, without dropping a command. If that fails, the previous version is put back and keeps serving.`;

  static override examples = [
    '<%= config.bin %> plugin install greeter-0.1.0.roseyplug',
    '<%= config.bin %> plugin install ./greeter',
    '<%= config.bin %> plugin install greeter-0.1.0.roseyplug --force',
  ];

  static override args = {
    source: Args.string({ description: 'A .roseyplug file or a plugin folder.', required: true }),
  };

  static override flags = {
    force: Flags.boolean({ description: 'Install even a lower version than the installed one.' }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginInstall);
    const fail = (m: string) => this.fail(m);
    const loaded = configFor(flags, {}, fail);
    const target = runningRosey(flags, fail) ? targetFor(flags, fail) : undefined;
    const disabled = new Set([...loaded.config.plugins.disabled, ...readDisabled(loaded.dataDir)]);
    let live = '';
    try {
      const installed = await installPlugin(args.source, installedPluginsDir(loaded.dataDir), {
        force: flags.force,
        afterSwap: async (dir) => {
          if (!target) return;
          const name = dir.split(/[\\/]/).pop()!;
          if (disabled.has(name)) return;
          const running = await runningPlugin(target, name);
          if (running) {
            const outcome = await managerCall(target, 'reload', { plugin: name, dir }, reloadReplySchema);
            live = `; upgraded the running ${outcome.from.version} blue-green: serving after ${outcome.switchedAfterMs} ms (generation ${outcome.to.generation})`;
          } else {
            await managerCall(target, 'start', { dir }, pluginStartReplySchema);
            live = '; started it';
          }
        },
      });
      const was = installed.previousVersion ? ` (was ${installed.previousVersion})` : '';
      const where = relative(process.cwd(), installed.dir) || installed.dir;
      const later = disabled.has(installed.name)
        ? `; it is disabled: \`rosey plugin enable ${installed.name}\``
        : target
          ? live
          : '; it starts with Rosey';
      this.log(`installed ${installed.name} ${installed.version}${was} in ${where}${later}`);
    } catch (error) {
      this.fail(errorMessage(error));
    }
  }
}
