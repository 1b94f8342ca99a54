import { Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { chatUserFlags, locationFlags } from '../config-flags.js';
import { runDev } from '../run-dev.js';

export default class Dev extends RoseyCommand {
  static override summary = 'Run Rosey locally, chatting in this terminal.';

  static override description = `Starts the whole supervision tree with defaults: data under ./data, its own nats-server on a free loopback port, the console platform, and the built-in plugins. Type chat lines (e.g. "!roll 2d6"); Rosey's replies print on stdout as "Rosey: text". Logs go to data/logs/rosey.log (warnings also to stderr). A line starting with "/pm " is a private message to the bot.

When stdin is not a terminal, each input line is one chat line; after the end of input Rosey waits for the replies still in flight, stops, and exits 0. Ctrl-C or Ctrl-D stops it interactively.

Every line gets an answer, lines sent while Rosey starts too: per-user command cooldowns are off in the terminal chat unless --cooldowns turns them on.`;

  static override examples = [
    '<%= config.bin %> dev',
    '<%= config.bin %> dev --as alice --rank 3',
    "printf '!roll 2d6\\n!flip\\n' | <%= config.bin %> dev",
    '<%= config.bin %> dev --watch -c rosey.yaml',
  ];

  static override flags = {
    ...chatUserFlags,
    ...locationFlags,
    config: Flags.string({
      char: 'c',
      description:
        'Configuration file (JSON or YAML). Default: $ROSEY_CONFIG, else built-in defaults (a ./rosey.yaml is not read: dev stays local).',
      helpValue: 'FILE',
    }),
    cooldowns: Flags.boolean({
      description:
        'Apply per-user command cooldowns in the terminal chat, as a real channel does (to try them). Off by default: every line gets an answer.',
    }),
    verbose: Flags.boolean({ char: 'v', description: 'Also write debug logs to stderr.' }),
    watch: Flags.boolean({
      char: 'w',
      description:
        'Reload a plugin (blue-green, `rosey plugin reload`) when its files change; reloads show in the log, failures also on stderr.',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Dev);
    await runDev(flags, this.io());
  }
}
