import { Args } from '@oclif/core';
import { errorMessage } from '../../../contract/result.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags, targetFor } from '../../config-flags.js';
import { runningRosey } from '../../plugin-cli.js';
import { switchPlugin } from '../../plugin-switch.js';

export default class PluginEnable extends RoseyCommand {
  static override summary = 'Turn a plugin back on: started at once if Rosey runs, and at every start.';

  static override description = `Removes the plugin from the disabled list in <dataDir>/plugins.json and, with Rosey running, starts it (a fresh generation, its migrations first). A plugin disabled in the configuration file (plugins.disabled) must be enabled there.`;

  static override examples = ['<%= config.bin %> plugin enable dice'];

  static override args = { name: Args.string({ description: 'The plugin.', required: true }) };

  static override flags = { ...locationFlags, ...natsFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginEnable);
    const fail = (m: string) => this.fail(m);
    const loaded = configFor(flags, {}, fail);
    const target = runningRosey(flags, fail) ? targetFor(flags, fail) : undefined;
    try {
      this.log(await switchPlugin(loaded, args.name, true, target));
    } catch (error) {
      fail(errorMessage(error));
    }
  }
}
