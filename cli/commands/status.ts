import { Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { reachRosey } from '../../app/control-client.js';
import { statusReplySchema } from '../../contract/messages/control.js';
import { currentMetricsSchema } from '../../contract/messages/metrics.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { answerTimeoutFlags, locationFlags, natsFlags, targetFor } from '../config-flags.js';
import { withFigures } from '../format-metrics.js';
import { formatStatus } from '../format-status.js';

export default class Status extends RoseyCommand {
  static override summary = 'Show the running supervision tree.';

  static override description = `Asks the running Rosey (over rosey.control.status) for its supervision tree and prints every actor: its state, uptime, restarts and facts such as pids, with the CPU and memory of each process (the main one on the root, each plugin's on its host) as the metrics actor last sampled them. Found through the runtime file in the data directory, or --nats-url. Exits 1 when Rosey is not running.`;

  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json'];

  static override flags = {
    json: Flags.boolean({ description: 'Print the status as JSON.' }),
    ...locationFlags,
    ...natsFlags,
    ...answerTimeoutFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    const fail: (message: string) => never = (message) => this.fail(message);
    const target = targetFor(flags, fail);
    const connected = await reachRosey(target);
    if (!connected.ok) fail(`cannot get Rosey's status: ${connected.error.message}`);
    const nc = connected.data;
    try {
      // Both at once on one connection: the figures must not make `rosey status` slower.
      const [result, figures] = await Promise.all([
        request(nc, subjects.control('status'), {}, { reply: statusReplySchema, timeoutMs: flags.timeout }),
        request(nc, subjects.metricsCurrent, {}, { reply: currentMetricsSchema, timeoutMs: flags.timeout }),
      ]);
      if (!result.ok) fail(`cannot get Rosey's status: ${result.error.message}`);
      // CPU and memory per process from the metrics actor; the tree alone when it cannot say (restarting).
      const data = figures.ok
        ? { ...result.data, tree: withFigures(result.data.tree, figures.data) }
        : result.data;
      this.log(flags.json ? JSON.stringify(data, null, 2) : formatStatus(data));
    } finally {
      await nc.close();
    }
  }
}
