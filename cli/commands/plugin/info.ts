import { Args, Flags } from '@oclif/core';
import { pluginInfoReplySchema, type PluginRow } from '../../../contract/messages/plugins.js';
import { CAPABILITIES, isCapability, pluginGrants, type Grants } from '../../../contract/capabilities.js';
import type { Manifest } from '../../../plugin-packages/manifest.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags, natsFlags } from '../../config-flags.js';
import { configuredPlugin, pluginRequest, runningRosey } from '../../plugin-cli.js';
import { errorMessage } from '../../../contract/result.js';

type Info = Partial<PluginRow> &
  Grants & { name: string; manifest: Pick<Manifest, 'version' | 'description' | 'author'> };

export default class PluginInfo extends RoseyCommand {
  static override summary =
    'Show one plugin: version, folder, state, and its permissions (requested vs granted).';

  static override description = `With Rosey running, asks it (rosey.control.plugin.info) and shows the live state too; otherwise reads the plugin's manifest from the plugin folders of the configuration. Permissions are the manifest's request under the operator's plugins.settings.<name>.permissions (grant/revoke); see docs/permissions.md.`;

  static override examples = [
    '<%= config.bin %> plugin info dice',
    '<%= config.bin %> plugin info quote-db --json',
  ];

  static override args = { name: Args.string({ description: 'The plugin’s name.', required: true }) };

  static override flags = {
    json: Flags.boolean({ description: 'Print the details as JSON.' }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginInfo);
    const fail = (m: string) => this.fail(m);
    let info: Info;
    if (runningRosey(flags, fail)) {
      const live = await pluginRequest(flags, 'info', { plugin: args.name }, pluginInfoReplySchema, fail);
      info = {
        ...live,
        manifest: { version: live.manifestVersion, description: live.description, author: live.author },
      };
    } else {
      const loaded = configFor(flags, {}, fail);
      let plugin;
      try {
        plugin = configuredPlugin(loaded, args.name);
      } catch (error) {
        return fail(errorMessage(error));
      }
      info = {
        name: args.name,
        dir: plugin.dir,
        state: 'not running',
        manifest: plugin.manifest,
        ...pluginGrants(plugin, loaded.config),
      };
    }
    if (flags.json) {
      this.log(JSON.stringify(info, null, 2));
      return;
    }
    const { manifest } = info;
    this.log(
      `${info.name} ${info.version ?? manifest.version}${manifest.description ? ` — ${manifest.description}` : ''}`,
    );
    if (manifest.author) this.log(`  author:  ${manifest.author}`);
    if (info.dir) this.log(`  folder:  ${info.dir}`);
    const failed = info.state === 'failed';
    // A failed plugin's supervisor is gone, and with it the count of its restarts: not "0 restarts".
    const restarts = failed ? '' : `, ${info.restarts ?? 0} restarts`;
    const live =
      info.generation === undefined
        ? ''
        : ` (generation ${info.generation}${info.pid ? `, pid ${info.pid}` : ''}${restarts})`;
    this.log(`  state:   ${info.state ?? 'unknown'}${live}`);
    // Issue 22: a failed plugin showed no reason and no way back.
    if (info.lastExit) this.log(`  ${failed ? 'reason: ' : 'last exit:'} ${info.lastExit}`);
    if (failed) this.log(`  revive:  fix the cause, then \`rosey plugin reload ${info.name}\``);
    const names = [...new Set([...info.requested, ...info.granted])].sort();
    if (names.length === 0) {
      this.log('  permissions: none (it can only answer the commands it is sent)');
      return;
    }
    this.log('  permissions:');
    const width = Math.max(...names.map((n) => n.length));
    for (const name of names) {
      const status = (info.revoked as string[]).includes(name)
        ? 'requested, REVOKED by the operator'
        : (info.extra as string[]).includes(name)
          ? 'granted by the operator (not requested)'
          : 'requested, granted';
      const enforced = isCapability(name) && !CAPABILITIES[name].enforced ? ' (not enforced)' : '';
      this.log(`    ${name.padEnd(width)}  ${status}${enforced}`);
    }
  }
}
