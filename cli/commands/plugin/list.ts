import { Flags } from '@oclif/core';
import { pluginListReplySchema, type PluginRow } from '../../../contract/messages/plugins.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags } from '../../config-flags.js';
import type { LoadedConfig } from '../../../app/config/load.js';
import { readDisabled } from '../../../plugin-packages/plugin-switches.js';
import { pluginsToRun } from '../../../app/start-rosey.js';

interface DisabledRow {
  name: string;
  version: string;
  state: 'disabled';
  dir: string;
}

/** Plugins of this configuration that are turned off and so not running. */
function disabledPlugins(loaded: LoadedConfig, running: PluginRow[]): DisabledRow[] {
  const off = new Set([...loaded.config.plugins.disabled, ...readDisabled(loaded.dataDir)]);
  return pluginsToRun(loaded, { includeDisabled: true })
    .plugins.filter((p) => off.has(p.manifest.name) && !running.some((r) => r.name === p.manifest.name))
    .map((p) => ({ name: p.manifest.name, version: p.manifest.version, state: 'disabled', dir: p.dir }));
}
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
    const fail = (m: string) => this.fail(m);
    const { plugins: running } = await pluginRequest(flags, 'list', {}, pluginListReplySchema, fail);
    // The manager knows what runs; plugins turned off (config or `rosey plugin disable`) are listed too.
    const plugins: Array<PluginRow | DisabledRow> = [
      ...running,
      ...disabledPlugins(configFor(flags, {}, fail), running),
    ];
    plugins.sort((a, b) => a.name.localeCompare(b.name));
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
        'reloading' in p && p.reloading ? `${p.state} (reloading)` : p.state,
        'generation' in p ? String(p.generation) : '-',
        // A failed plugin's supervisor is gone with the count of its restarts: not "0" (issue 22);
        // `rosey plugin info` says why it failed.
        'restarts' in p && p.state !== 'failed' ? String(p.restarts) : '-',
        'pid' in p && p.pid !== undefined ? String(p.pid) : '-',
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
    for (const p of running) if (p.lastExit && p.state !== 'running') this.log(`${p.name}: ${p.lastExit}`);
  }
}
