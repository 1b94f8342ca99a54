import type { NatsConnection } from '../../contract/nats.js';
import { headers } from '../../contract/nats.js';
import { CORRELATION_HEADER, TRACEPARENT_HEADER, decodeJson, encodeJson } from '../../contract/envelope.js';
import type { ChatMessage } from '../../contract/messages/chat.js';
import { subjects } from '../../contract/subjects.js';
import { eventually } from './nats.js';

export interface SeenReply {
  kind: 'chat' | 'pm';
  channel: string;
  to?: string;
  text: string;
  correlationId?: string;
  traceparent?: string;
}

/**
 * Plays a chat platform on the bus: publishes normalised messages the way a connector does and
 * records what Rosey sends back to that platform.
 */
export async function fakePlatform(nc: NatsConnection, platform = 'test') {
  const replies: SeenReply[] = [];
  const record =
    (kind: 'chat' | 'pm') =>
    (_: unknown, msg: { data: Uint8Array; headers?: { get(k: string): string } }) => {
      const decoded = decodeJson(msg.data);
      if (!decoded.ok) return;
      const data = decoded.data as { channel: string; to?: string; text: string };
      replies.push({
        kind,
        ...data,
        correlationId: msg.headers?.get(CORRELATION_HEADER),
        traceparent: msg.headers?.get(TRACEPARENT_HEADER),
      });
    };
  nc.subscribe(subjects.sendChat(platform), { callback: record('chat') });
  nc.subscribe(subjects.sendPm(platform), { callback: record('pm') });
  await nc.flush();
  let counter = 0;
  return {
    replies,
    /** Sends a chat line; returns its correlation id. */
    say(text: string, options: Partial<ChatMessage> & { pm?: boolean } = {}) {
      const { pm, ...fields } = options;
      const message: ChatMessage = { platform, channel: 'main', user: 'alice', rank: 1, text, ...fields };
      const hdrs = headers();
      const correlationId = `test-${++counter}-${Date.now()}`;
      hdrs.set(CORRELATION_HEADER, correlationId);
      hdrs.set(TRACEPARENT_HEADER, `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`);
      nc.publish(pm ? subjects.pm : subjects.message, encodeJson(message), { headers: hdrs });
      return correlationId;
    },
    /** Waits for a reply matching `where`. */
    reply(where: (r: SeenReply) => boolean, what = 'a reply', timeoutMs = 5000) {
      return eventually(() => replies.find(where), what, timeoutMs);
    },
  };
}
