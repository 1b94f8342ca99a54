import { runChatClient } from '../../app/chat-client.js';
import { errorMessage } from '../../contract/result.js';
import { RoseyCommand } from '../base-command.js';
import { chatUserFlags, configFor, locationFlags, natsFlags, targetFor } from '../config-flags.js';

export default class Chat extends RoseyCommand {
  static override summary = 'Chat with the running Rosey from this terminal.';

  static override description = `Talk to a Rosey that is already running (rosey start, or rosey dev in another terminal): type chat lines (e.g. "!roll 2d6"); Rosey's replies print on stdout as "Rosey: text", and what plugins send you privately as "Rosey (private): text". A line starting with "/pm " is a private message to the bot. With stdin from a pipe it sends one chat line per input line and exits 0 once every line has been answered. Each session is a channel of its own on the "cli" platform; cooldowns are off there unless platforms.console.cooldowns is on, as in rosey dev.`;

  static override examples = [
    `printf '!roll 2d6\\n' | <%= config.bin %> chat`,
    '<%= config.bin %> chat --as alice --rank 3',
  ];

  static override flags = {
    ...locationFlags,
    ...natsFlags,
    ...chatUserFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Chat);
    const fail: (message: string) => never = (message) => this.fail(message);
    const { config } = configFor(flags, {}, fail);
    const target = targetFor(flags, fail);
    const user = flags.as ?? config.platforms.console.user;
    // As platforms.console.user allows: the router drops a message with a longer name unanswered.
    if (user.length < 1 || user.length > 40) fail(`--as: a name of 1 to 40 characters (got ${user.length})`);
    let code: number;
    try {
      code = await runChatClient({
        target,
        user,
        rank: flags.rank ?? config.platforms.console.rank,
        botName: config.bot.name,
        input: process.stdin,
        output: process.stdout,
        interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
        settleTimeoutMs: config.router.commandTimeoutMs + config.router.startWaitMs + 10_000,
      });
    } catch (error) {
      return fail(errorMessage(error));
    }
    if (code !== 0) this.exit(code);
  }
}
