import { Flags } from '@oclif/core';
import type { PluginRow } from '../../../actors/plugin-manager/plugin-rows.js';
import { RoseyCommand } from '../../base-command.js';
import { locationFlags, natsFlags } from '../../config-flags.js';
import { pluginRequest } from '../../plugin-cli.js';

export default class PluginList extends RoseyCommand {
  static override summary = 'List the plugins of the running Rosey: version, state, generation, restarts.';

  static override description = `Asks the running Rosey (over rosey.control.plugin.list) which plugins it runs. The generation goes up by one with every blue-green reload; restarts counts the crashes its supervisor recovered from. Exits 1 when Rosey is not running.`;

  static override examples = ['<%= config.bin %> plugin list', '<%= config.bin %> plugin list --json'];

  static override flags = {
    json: Flags.boolean({ description: 'Print the list as JSON.' }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PluginList);
    const { plugins } = (await pluginRequest(flags, 'list', {}, (m) => this.fail(m))) as {
      plugins: PluginRow[];
    };
    if (flags.json) {
      this.log(JSON.stringify(plugins, null, 2));
      return;
    }
    if (plugins.length === 0) {
      this.log('no plugins');
      return;
    }
    const rows = [
      ['NAME', 'VERSION', 'STATE', 'GEN', 'RESTARTS', 'PID'],
      ...plugins.map((p) => [
        p.name,
        p.version,
        p.reloading ? `${p.state} (reloading)` : p.state,
        String(p.generation),
        String(p.restarts),
        p.pid === undefined ? '-' : String(p.pid),
      ]),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows)
      this.log(
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      );
    for (const p of plugins) if (p.lastExit && p.state !== 'running') this.log(`${p.name}: ${p.lastExit}`);
  }
}
