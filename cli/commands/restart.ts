import { Args, Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { roseyRequest } from '../../app/control-client.js';
import { restartReplySchema } from '../../contract/messages/control.js';
import { subjects } from '../../contract/subjects.js';
import { locationFlags, natsFlags, targetFor } from '../config-flags.js';

/** A plugin's name stands for its supervisor under `plugins`; anything with a `/` is a path. */
const restartPath = (target: string): string => (target.includes('/') ? target : `plugins/${target}`);

export default class Restart extends RoseyCommand {
  static override summary = 'Start a stopped child of the supervision tree again (OTP restart_child).';

  static override description = `Asks the running Rosey (over rosey.control.restart) to start again a child that was stopped and kept by its supervisor, such as a transient child that finished or one terminated by hand, and waits until it has started. The child is named by its path of ids as \`rosey status\` shows them (data/storage, plugins/dice/migrations; rosey/<id> for a child of the root); a name without a slash is a plugin. A running child is not restarted, and neither is a child of a dynamic supervisor such as a plugin's (\`rosey plugin reload\` starts a failed plugin again). Exits 1 when Rosey is not running or the child was not started, with the reason.`;

  static override examples = [
    '<%= config.bin %> restart plugins/quote-db/migrations',
    '<%= config.bin %> restart rosey/connectors',
  ];

  static override args = {
    target: Args.string({ description: 'The child to restart: its path, or a plugin name.', required: true }),
  };

  static override flags = {
    ...locationFlags,
    ...natsFlags,
    timeout: Flags.integer({
      helpValue: 'MS',
      description: 'How long to wait for the child to be started, in milliseconds (35000 = 35 s).',
      default: 35_000,
      min: 100,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Restart);
    const fail: (message: string) => never = (message) => this.fail(message);
    const path = restartPath(args.target);
    const result = await roseyRequest(
      targetFor(flags, fail),
      subjects.control('restart'),
      { path },
      { reply: restartReplySchema, timeoutMs: flags.timeout },
    );
    if (!result.ok) fail(result.error.message);
    this.log(`restarted ${result.data.restarted}`);
  }
}
