import { Args, Flags } from '@oclif/core';
import { reloadReplySchema } from '../../../contract/messages/plugins.js';
import { RoseyCommand } from '../../base-command.js';
import { locationFlags, natsFlags } from '../../config-flags.js';
import { pluginRequest } from '../../plugin-cli.js';

export default class PluginReload extends RoseyCommand {
  static override summary = 'Reload a plugin from its folder without dropping a command (blue-green).';

  static override description = `Starts the plugin's new version (its files as they are now) as a new generation beside the running one, checks its health, switches commands to it, lets the old generation finish what it has, and stops the old one after a grace period. If anything fails before the switch, or the new generation exits during the grace period, the old one keeps (or goes back to) serving and the reason is printed. Exits 1 when the reload did not happen or was rolled back.`;

  static override examples = ['<%= config.bin %> plugin reload dice'];

  static override args = {
    name: Args.string({ description: 'The plugin to reload.', required: true }),
  };

  static override flags = {
    timeout: Flags.integer({
      description: 'Seconds to wait for the reload to finish.',
      default: 300,
      min: 1,
    }),
    json: Flags.boolean({ description: 'Print the outcome as JSON.' }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginReload);
    const outcome = await pluginRequest(
      flags,
      'reload',
      { plugin: args.name },
      reloadReplySchema,
      (m) => this.fail(m),
      flags.timeout * 1000,
    );
    if (flags.json) {
      this.log(JSON.stringify(outcome, null, 2));
      return;
    }
    const drained = outcome.drained > 0 ? `; the old one finished ${outcome.drained} command(s)` : '';
    this.log(
      `reloaded ${outcome.plugin} ${outcome.from.version} → ${outcome.to.version} (generation ${outcome.to.generation}): serving after ${outcome.switchedAfterMs} ms${drained}${outcome.drainTimedOut ? ' (drain timed out)' : ''}`,
    );
  }
}
