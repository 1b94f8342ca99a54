import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { decodeJson, encodeJson, incomingMeta, outgoingHeaders } from '../../contract/envelope.js';
import { ok } from '../../contract/result.js';

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

/**
 * The chat platform a test bot talks to: it takes whatever Rosey sends to
 * `rosey.platform.<platform>.send.>`, records chat lines and private messages as replies and the
 * rest as actions, and answers requests with success, as a connector would.
 */
export async function simulatePlatform(
  nc: NatsConnection,
  platform: string,
  record: { reply(reply: Reply): void; action(action: Action): void },
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
    if (msg.reply) msg.respond(encodeJson(ok({})), { headers: outgoingHeaders(incomingMeta(msg)).hdrs });
  };
  const sub = nc.subscribe(`${prefix}>`, { callback: (error, msg) => (error ? undefined : handle(msg)) });
  await nc.flush();
  return sub;
}
