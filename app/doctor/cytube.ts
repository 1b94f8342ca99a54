import { discover } from '../../actors/cytube/discovery.actor.js';
import type { RoseyConfig } from '../config/schema.js';
import { failed, ok, skipped, type CheckResult } from './doctor-check.js';

/**
 * The CyTube server answers for the channel (`socketconfig`) and names a socket server. It does not
 * log in: a second login as the bot's account would kick the running bot.
 */
export async function checkCytube(config: RoseyConfig, timeoutMs: number): Promise<CheckResult> {
  const cytube = config.platforms.cytube;
  if (!cytube) return skipped('cytube', 'no CyTube channel configured');
  const found = await discover(cytube.server, cytube.channel, timeoutMs);
  const where = `${cytube.server} channel ${cytube.channel}`;
  if (found.kind === 'found') return ok('cytube', `${where}: socket server ${found.url}`);
  return failed(
    'cytube',
    `${where}: ${found.reason}`,
    found.kind === 'refused'
      ? 'check platforms.cytube.server and channel'
      : 'check the network, or whether the server is down (Rosey retries on its own)',
  );
}
