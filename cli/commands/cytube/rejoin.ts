import { RoseyCommand } from '../../base-command.js';
import { locationFlags, natsFlags } from '../../config-flags.js';
import { subjects } from '../../../contract/subjects.js';
import { rejoinReplySchema } from '../../../contract/messages/connector-state.js';
import { cytubeRequest } from '../../cytube-cli.js';

export default class CytubeRejoin extends RoseyCommand {
  static override summary =
    'Make a halted CyTube connector try again (after a kick, say), without restarting Rosey.';

  static override description = `The connector stops trying for good after a kick, a ban, a duplicate login or refused credentials (rosey cytube status says why). Once the cause is dealt with, this asks it (over rosey.platform.cytube.rejoin) to find the server, join and log in again, with its backoff reset. A connector waiting to reconnect tries at once. Exits 1 when Rosey is not running, has no CyTube connector, or the connector is not halted or waiting. Credentials come from the configuration Rosey started with: to change them, restart Rosey.`;

  static override examples = ['<%= config.bin %> cytube rejoin'];

  static override flags = { ...locationFlags, ...natsFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(CytubeRejoin);
    const { was } = await cytubeRequest(flags, subjects.platformRejoin, rejoinReplySchema, (m) =>
      this.fail(m),
    );
    this.log(
      `Rejoining (was ${was.state}${was.reason ? `: ${was.reason}` : ''}). \`rosey cytube status\` shows how it goes.`,
    );
  }
}
