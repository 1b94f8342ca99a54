import { Args, Flags } from '@oclif/core';
import { reloadReplySchema } from '../../../contract/messages/plugins.js';
import { RoseyCommand } from '../../base-command.js';
import { locationFlags, natsFlags } from '../../config-flags.js';
import { pluginRequest } from '../../plugin-cli.js';
import { targetFor } from '../../config-target.js';
import { roseyRequest } from '../../../app/control-client.js';
import { clusterReloadReplySchema } from '../../../contract/messages/cluster.js';
import { subjects } from '../../../contract/subjects.js';

export default class PluginReload extends RoseyCommand {
  static override summary = 'Reload a plugin from its folder without dropping a command (blue-green).';

  static override description = `Starts the plugin's new version (its files as they are now) as a new generation beside the running one, checks its health, switches commands to it, lets the old generation finish what it has, and stops the old one after a grace period. If anything fails before the switch, or the new generation exits during the grace period, the old one keeps (or goes back to) serving and the reason is printed. Exits 1 when the reload did not happen or was rolled back.`;

  static override examples = [
    '<%= config.bin %> plugin reload dice',
    '<%= config.bin %> plugin reload dice --cluster',
  ];

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
    cluster: Flags.boolean({
      description:
        'On every node of the cluster, one at a time in name order, stopping at the first that fails (docs/guides/SCALING.md).',
    }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginReload);
    if (flags.cluster) {
      await this.reloadCluster(args.name, flags);
      return;
    }
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

  private async reloadCluster(
    plugin: string,
    flags: { timeout: number; json?: boolean; config?: string; 'data-dir'?: string; 'nats-url'?: string },
  ): Promise<void> {
    const fail: (m: string) => never = (m) => this.fail(m);
    const result = await roseyRequest(
      targetFor(flags, fail),
      subjects.clusterControl('reload'),
      { plugin },
      { reply: clusterReloadReplySchema, timeoutMs: flags.timeout * 1000 },
    );
    if (!result.ok)
      fail(
        result.error.code === 'NO_RESPONDERS'
          ? 'this Rosey is not a node of a cluster (node.name and cluster.urls: docs/guides/SCALING.md)'
          : result.error.message,
      );
    const outcome = result.data;
    if (flags.json) this.log(JSON.stringify(outcome, null, 2));
    else
      for (const step of outcome.steps)
        this.log(
          step.outcome === 'reloaded'
            ? `node ${step.node}: reloaded ${plugin} ${step.reload.from.version} → ${step.reload.to.version} (generation ${step.reload.to.generation})`
            : step.outcome === 'failed'
              ? `node ${step.node}: failed: ${step.error.message}`
              : `node ${step.node}: not reloaded (stopped at the failure above)`,
        );
    if (!outcome.complete) this.exit(1);
  }
}
