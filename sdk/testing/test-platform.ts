import type { Msg, NatsConnection, Subscription } from '../../contract/nats.js';
import { decodeJson, encodeJson, incomingMeta, outgoingHeaders } from '../../contract/envelope.js';
import type { ChannelView } from '../../contract/messages/actions.js';
import { ok, type Result } from '../../contract/result.js';

/** What the bot sent back to the chat: a channel line, or a private message to `to`. */
export interface Reply {
  text: string;
  /** The recipient of a private message. */
  to?: string;
  private: boolean;
  platform: string;
  channel: string;
}

/** Anything else the bot asked the platform to do: `kick`, `playlist.add`, … with its payload. */
export interface Action {
  kind: string;
  data: unknown;
}

/** How the platform answers an action (`kick`, `playlist.add`, …): success `{}` unless a test says otherwise. */
export type PlatformAnswer = (kind: string, data: unknown) => Result<unknown>;

/**
 * The chat platform a test bot talks to: it takes whatever Rosey sends to
 * `rosey.platform.<platform>.send.>`, records chat lines and private messages as replies and the
 * rest as actions, and answers requests as `answer` says (a connector's success, or its refusal).
 * `rosey.platform.<platform>.view` (a plugin's `channel.read`) is answered with `view()`.
 */
export async function simulatePlatform(
  nc: NatsConnection,
  platform: string,
  record: { reply(reply: Reply): void; action(action: Action): void },
  answer: PlatformAnswer = () => ok({}),
  view: () => ChannelView = () => emptyView(platform, ''),
): Promise<Subscription> {
  const prefix = `rosey.platform.${platform}.send.`;
  const handle = (msg: Msg) => {
    const kind = msg.subject.slice(prefix.length);
    const decoded = decodeJson(msg.data);
    const data: unknown = decoded.ok ? decoded.data : undefined;
    if (kind === 'chat' || kind === 'pm') {
      const line = (data ?? {}) as { channel?: unknown; to?: unknown; text?: unknown };
      record.reply({
        text: String(line.text ?? ''),
        ...(kind === 'pm' ? { to: String(line.to ?? '') } : {}),
        private: kind === 'pm',
        platform,
        channel: String(line.channel ?? ''),
      });
    } else {
      record.action({ kind, data });
    }
    const result = kind === 'chat' || kind === 'pm' ? ok({}) : answer(kind, data);
    if (msg.reply) msg.respond(encodeJson(result), { headers: outgoingHeaders(incomingMeta(msg)).hdrs });
  };
  const sub = nc.subscribe(`${prefix}>`, { callback: (error, msg) => (error ? undefined : handle(msg)) });
  nc.subscribe(`rosey.platform.${platform}.view`, {
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      msg.respond(encodeJson(ok(view())), { headers: outgoingHeaders(incomingMeta(msg)).hdrs });
    },
  });
  await nc.flush();
  return sub;
}

/** A channel with nobody in it and nothing queued, the bot (`Rosey`, rank 1) aside. */
export const emptyView = (platform: string, channel: string, bot = 'Rosey'): ChannelView => ({
  platform,
  channel,
  state: 'ready',
  self: { name: bot, rank: 1 },
  users: [],
  playlist: [],
  current: null,
  media: null,
  playlistLocked: false,
});
