import { Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { answerTimeoutFlags, locationFlags, natsFlags } from '../config-flags.js';
import { showStatus } from '../show-status.js';

export default class Status extends RoseyCommand {
  static override summary = 'Show the running supervision tree.';

  static override description = `Asks the running Rosey (over rosey.control.status) for its supervision tree and prints every actor: its state, uptime, restarts and facts such as pids, with the CPU and memory of each process (the main one on the root, each plugin's on its host) as the metrics actor last sampled them. Found through the runtime file in the data directory, or --nats-url. Exits 1 when Rosey is not running.`;

  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --json',
    '<%= config.bin %> status --cluster',
  ];

  static override flags = {
    json: Flags.boolean({ description: 'Print the status as JSON.' }),
    cluster: Flags.boolean({
      description:
        'Every node of the cluster instead (docs/guides/SCALING.md): its tree in figures, plugins and versions; a node that does not answer in time is listed as silent.',
    }),
    ...locationFlags,
    ...natsFlags,
    ...answerTimeoutFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    await showStatus(flags, this.io());
  }
}
