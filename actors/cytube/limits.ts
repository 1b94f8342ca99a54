import type { ChannelState } from './channel-state.js';
import {
  DEFAULT_CHAT_FLOOD,
  floodParams,
  MODERATOR_QUEUE_FLOOD,
  USER_QUEUE_FLOOD,
  type FloodParams,
} from './flood-limiter.js';
import type { Limits } from './outbox.js';

/** CyTube's own fallback when a channel's antiflood parameters are unusable. */
const ANTIFLOOD_FALLBACK: FloodParams = { burst: 4, sustained: 1, cooldown: 4 };

/**
 * The limits the server applies to the bot right now: its default chat limiter always, the
 * channel's antiflood parameters on top when enabled and the bot is below moderator (rank 2
 * is exempt, as recorded), and the playlist-add limiter for its rank.
 */
export function limitsFor(channel: ChannelState): Limits {
  const chat = [DEFAULT_CHAT_FLOOD];
  if (channel.options.chat_antiflood === true && channel.rank < 2)
    chat.push(floodParams(channel.options.chat_antiflood_params, ANTIFLOOD_FALLBACK));
  return { chat, queue: channel.rank >= 2 ? MODERATOR_QUEUE_FLOOD : USER_QUEUE_FLOOD };
}
