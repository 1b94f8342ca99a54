import { Args } from '@oclif/core';
import { errorMessage } from '../../../contract/result.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags, targetFor } from '../../config-flags.js';
import { runningRosey } from '../../plugin-cli.js';
import { switchPlugin } from '../../plugin-switch.js';

export default class PluginDisable extends RoseyCommand {
  static override summary =
    'Turn a plugin off: stopped at once if Rosey runs, and not started again until enabled.';

  static override description = `Adds the plugin to the disabled list in <dataDir>/plugins.json (the configuration file is never rewritten) and, with Rosey running, stops it: in-flight commands finish, its commands answer as unavailable. Its data stays.`;

  static override examples = ['<%= config.bin %> plugin disable dice'];

  static override args = { name: Args.string({ description: 'The plugin.', required: true }) };

  static override flags = { ...locationFlags, ...natsFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginDisable);
    const fail = (m: string) => this.fail(m);
    const loaded = configFor(flags, {}, fail);
    const target = runningRosey(flags, fail) ? targetFor(flags, fail) : undefined;
    try {
      this.log(await switchPlugin(loaded, args.name, false, target));
    } catch (error) {
      fail(errorMessage(error));
    }
  }
}
