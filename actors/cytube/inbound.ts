import type { BridgeCommand } from '../bus/bridge.actor.js';
import type { ConfirmedPublisherCommand } from '../bus/confirmed-publisher.actor.js';
import { SYSTEM_RANK, type ChatMessage } from '../../contract/messages/chat.js';
import { subjects } from '../../contract/subjects.js';
import { redactOptions, type ChannelChange, type ChannelState } from './channel-state.js';
import { wellFormed } from '../../contract/json-text.js';
import { htmlToText } from './html-text.js';
import { CYTUBE_PLATFORM } from './platform.js';
import type { ServerEventData } from './server-events.js';

/** Where and when, common to every normalised event. */
export interface Where {
  platform: string;
  channel: string;
  time: number;
}

const publish = (subject: string, data: unknown): BridgeCommand => ({ type: 'bus.publish', subject, data });

/** `rosey.platform.cytube.<event>`: the event as the server sent it, minus the channel password. */
export function publishRaw(name: string, data: unknown): BridgeCommand[] {
  const safe =
    name === 'channelOpts' && typeof data === 'object' && data !== null
      ? redactOptions(data as Record<string, unknown>)
      : (data ?? null);
  return [publish(subjects.platformRaw(CYTUBE_PLATFORM, name), safe)];
}

/**
 * Channel changes (joins, leaves, media, playlist) as every platform publishes them. Through the
 * confirmed publisher, like chat lines, and for the same reason plus one: a plugin must hear what
 * happened in the order it happened. Published by the bus bridge instead, a leave overtook the chat
 * line its user said just before it (the line still waiting for its confirmation), and chat-stats
 * counted a user who had left as here (seen in test/e2e/chat-stats-cytube.test.ts, 2 runs in 3).
 */
export function publishChanges(changes: ChannelChange[], where: Where): ConfirmedPublisherCommand[] {
  return changes.map((change) => {
    const { kind, ...rest } = change;
    return {
      type: 'delivery.publish',
      subject: subjects.channelEvent(kind),
      data: { ...where, ...rest },
      what:
        'user' in change
          ? `${kind} ${change.user}`
          : 'users' in change
            ? `${kind} of ${change.users.length}`
            : kind,
    };
  });
}

/**
 * A chat line or PM as every platform publishes it. The text is what the user typed (tags
 * stripped, entities decoded); the HTML is kept. Shadow-muted lines (only moderators see them,
 * flagged `meta.shadow`) are not published: answering them would reveal the mute. Published through
 * the confirmed publisher, so a line said while NATS restarts reaches the router afterwards.
 */
/** A `chatMsg` or `pm` as the bus carries it; none for a line that is not ours to see. */
export function chatMessageOf(
  data: ServerEventData<'chatMsg'> | ServerEventData<'pm'>,
  channel: ChannelState,
  self: string,
  where: Where,
  pm: boolean,
): ChatMessage | undefined {
  const meta = data.meta ?? {};
  if (meta.shadow === true) return undefined;
  const fromSelf = data.username.toLowerCase() === self.toLowerCase();
  const to = pm ? (data as ServerEventData<'pm'>).to : undefined;
  // A PM we merely see (not to us, not from us) is not ours to answer.
  if (to !== undefined && !fromSelf && to.toLowerCase() !== self.toLowerCase()) return undefined;
  const system = data.username === '[server]';
  return {
    platform: where.platform,
    channel: where.channel,
    user: wellFormed(data.username),
    rank: system ? SYSTEM_RANK : (channel.users.get(data.username.toLowerCase())?.rank ?? 0),
    text: htmlToText(data.msg),
    html: wellFormed(data.msg),
    action: meta.action === true || undefined,
    system: system || undefined,
    self: fromSelf || undefined,
    time: data.time ?? where.time,
  };
}

export function publishChat(
  data: ServerEventData<'chatMsg'> | ServerEventData<'pm'>,
  channel: ChannelState,
  self: string,
  where: Where,
  pm: boolean,
): ConfirmedPublisherCommand[] {
  const message = chatMessageOf(data, channel, self, where, pm);
  if (!message) return [];
  return [
    {
      type: 'delivery.publish',
      subject: pm ? subjects.pm : subjects.message,
      data: message,
      what: `${message.user}: ${message.text}`,
    },
  ];
}
