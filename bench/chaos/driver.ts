/**
 * The chat side of the chaos suite: plays a chat platform ("chaos") on the bus, as a connector
 * does — each line published on `rosey.events.message` with its own correlation id — and records
 * every reply Rosey sends back for it (`send.chat` and `send.pm`), so that afterwards each line is
 * known to have been answered, refused (told something else), or silently lost (told nothing).
 */
import { headers, type NatsConnection, type Subscription } from '../../contract/nats.js';
import { CORRELATION_HEADER, decodeJson, encodeJson } from '../../contract/envelope.js';
import { subjects } from '../../contract/subjects.js';
import { now, sleep } from './clock.js';

export const PLATFORM = 'chaos';

export interface Reply {
  at: number;
  text: string;
}

export interface Line {
  n: number;
  text: string;
  user: string;
  sentAt: number;
  replies: Reply[];
}

export interface Sender {
  user: string;
  rank: number;
}

const USER: Sender = { user: 'chaos', rank: 1 };

export class ChatDriver {
  readonly lines: Line[] = [];
  private readonly byId = new Map<string, Line>();
  private subscriptions: Subscription[] = [];
  private nc: NatsConnection | undefined;

  /** Listens on `nc` for replies; called again with a new connection after Rosey restarted. */
  async attach(nc: NatsConnection): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    this.nc = nc;
    const heard =
      (isPrivate: boolean) =>
      (_error: unknown, msg: { headers?: { get(k: string): string }; data: Uint8Array }) => {
        const line = this.byId.get(msg.headers?.get(CORRELATION_HEADER) ?? '');
        if (!line) return;
        const decoded = decodeJson(msg.data);
        const text =
          decoded.ok && typeof decoded.data === 'object' && decoded.data !== null && 'text' in decoded.data
            ? String(decoded.data.text)
            : '';
        line.replies.push({ at: now(), text: isPrivate ? `(private) ${text}` : text });
      };
    this.subscriptions = [
      nc.subscribe(subjects.sendChat(PLATFORM), { callback: heard(false) }),
      nc.subscribe(subjects.sendPm(PLATFORM), { callback: heard(true) }),
    ];
    await nc.flush();
  }

  /**
   * One chat line. While the connection is down the client keeps it in its reconnect buffer and
   * sends it once the server is back — as a connector's own connection would.
   */
  send(text: string, as: Sender = USER): Line {
    if (!this.nc) throw new Error('chaos driver: not attached');
    const line: Line = { n: this.lines.length, text, user: as.user, sentAt: now(), replies: [] };
    const id = `chaos-${process.pid}-${line.n}`;
    this.lines.push(line);
    this.byId.set(id, line);
    const hdrs = headers();
    hdrs.set(CORRELATION_HEADER, id);
    try {
      this.nc.publish(
        subjects.message,
        encodeJson({ platform: PLATFORM, channel: PLATFORM, user: as.user, rank: as.rank, text }),
        { headers: hdrs },
      );
    } catch {
      // A closed connection (Rosey was killed outright): the line is sent and nobody heard it,
      // which is what the figures must show.
    }
    return line;
  }

  /** Sends `next()` every `everyMs` until `until()` says stop; returns the lines sent. */
  async steady(
    next: () => { text: string; as?: Sender },
    everyMs: number,
    until: () => boolean,
  ): Promise<Line[]> {
    const sent: Line[] = [];
    let due = now();
    while (!until()) {
      const { text, as } = next();
      sent.push(this.send(text, as));
      due += everyMs;
      await sleep(Math.max(0, due - now()));
    }
    return sent;
  }

  /** Waits until every line in `lines` has a reply, or `limitMs` passed. */
  async settle(lines: readonly Line[], limitMs: number): Promise<void> {
    const end = now() + limitMs;
    while (now() < end && lines.some((l) => l.replies.length === 0)) await sleep(50);
  }

  detach(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    this.nc = undefined;
  }
}
