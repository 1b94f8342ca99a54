import { Flags } from '@oclif/core';
import { connectorStateSchema } from '../../../contract/messages/connector-state.js';
import { RoseyCommand } from '../../base-command.js';
import { locationFlags, natsFlags } from '../../config-flags.js';
import { subjects } from '../../../contract/subjects.js';
import { cytubeRequest } from '../../cytube-cli.js';

export default class CytubeStatus extends RoseyCommand {
  static override summary =
    'Show the CyTube connector: where it is, who is there, and what it sent or could not.';

  static override description = `Asks the running Rosey's CyTube connector (over rosey.platform.cytube.state) for its state: connected or not and why, the channel, the bot's name and rank, the users with their ranks, the playlist and what is playing, and the counters of lines sent, deferred for the flood limit, refused, dropped and failed. Exits 1 when Rosey is not running or has no CyTube connector.`;

  static override examples = ['<%= config.bin %> cytube status', '<%= config.bin %> cytube status --json'];

  static override flags = {
    json: Flags.boolean({ description: 'Print the whole state as JSON.' }),
    ...locationFlags,
    ...natsFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(CytubeStatus);
    const s = await cytubeRequest(flags, subjects.platformState, connectorStateSchema, (m) => this.fail(m));
    if (flags.json) {
      this.log(JSON.stringify(s, null, 2));
      return;
    }
    this.log(`CyTube ${s.server} channel ${s.channel}: ${s.state}${s.reason ? ` (${s.reason})` : ''}`);
    this.log(`  bot ${s.user}${s.guest ? ' (guest)' : ''}, rank ${s.rank}`);
    const users = [...s.users].sort((a, b) => b.rank - a.rank || a.name.localeCompare(b.name));
    this.log(
      `  users (${users.length}): ${users.map((u) => `${u.name} ${u.rank}${u.afk ? ' afk' : ''}`).join(', ') || 'none'}`,
    );
    this.log(`  playlist: ${s.playlist.length} items${s.media ? `, playing "${s.media.title}"` : ''}`);
    const c = s.counters;
    this.log(
      `  sent ${c.sent}, deferred ${c.deferred}, refused ${c.refused}, dropped ${c.dropped}, failed ${c.failed}, server drops ${c.serverDrops}, waiting ${s.queued}, reconnects ${c.reconnects}`,
    );
  }
}
