import { Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { locationFlags } from '../config-flags.js';
import { runStart } from '../run-start.js';

export default class Start extends RoseyCommand {
  static override summary = 'Run Rosey with a configuration file (foreground, or --detach).';

  static override description = `Runs the supervision tree as configured in the file given with --config (or $ROSEY_CONFIG, or ./rosey.yaml|.yml|.json). In the foreground it runs until SIGINT/SIGTERM or \`rosey stop\`. With --detach it starts in the background, writes its pid to <dataDir>/rosey.pid and its output to <dataDir>/logs/rosey.out, and returns once Rosey is up (exit 1 with the reason if it cannot start).`;

  static override examples = [
    '<%= config.bin %> start --config rosey.yaml',
    '<%= config.bin %> start --config rosey.yaml --detach',
    '<%= config.bin %> start --config rosey.yaml --node a',
  ];

  static override flags = {
    ...locationFlags,
    detach: Flags.boolean({ char: 'd', description: 'Run in the background; return once it is up.' }),
    'ready-timeout': Flags.integer({
      description: 'With --detach: how long to wait for Rosey to come up, in ms.',
      default: 30_000,
      min: 1000,
    }),
    node: Flags.string({
      description: "This node's name among several (node.name; docs/guides/SCALING.md).",
      helpValue: 'NAME',
    }),
    pidfile: Flags.string({ hidden: true, description: 'Remove this pidfile on exit (used by --detach).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Start);
    await runStart(flags, this.io());
  }
}
