import { MAX_SYNC_RECORDS, type HandledLine, type HandoverRecord } from '../../contract/messages/handover.js';
import { lineKey } from './takeover.js';

/** Records kept, all channels together: at CyTube's 10 lines a second, over 8 minutes of answers. */
export const MAX_RECORDS = 5000;

/** Channels whose latest session is kept; the one heard of longest ago goes first. */
export const MAX_SESSIONS = 100;

/**
 * The most a sync answer carries, in bytes of JSON: half of NATS's default 1 MB `max_payload`, so
 * an answer is never refused by the server for its size (a record holds up to 4,000 characters,
 * which can be 12 KB in UTF-8).
 */
export const SYNC_BYTES = 512 * 1024;

type Session = Extract<HandoverRecord, { kind: 'session' }>;
type Handled = Extract<HandoverRecord, { kind: 'handled' }>;

const channelKey = (platform: string, channel: string) => `${platform}\u0000${channel}`;

/**
 * What the nodes of a cluster recorded of their channels (contract/messages/handover.ts), heard on
 * `rosey.cluster.handover.*` or in a sync: each channel's latest session and the lines answered,
 * the oldest forgotten first beyond `MAX_RECORDS`.
 */
export class HandoverJournal {
  private readonly sessions = new Map<string, Session>();
  /** By channel and line; a Map keeps insertion order, so the first key is the oldest. */
  private readonly lines = new Map<string, Handled>();

  constructor(private readonly maxRecords = MAX_RECORDS) {}

  record(r: HandoverRecord): void {
    const channel = channelKey(r.platform, r.channel);
    if (r.kind === 'session') {
      // The latest holder is the highest term (then the latest start): an older session heard late,
      // or again in a sync, does not replace it.
      const known = this.sessions.get(channel);
      if (known && (r.term < known.term || (r.term === known.term && r.after < known.after))) return;
      this.sessions.delete(channel);
      this.sessions.set(channel, r);
      for (const oldest of this.sessions.keys()) {
        if (this.sessions.size <= MAX_SESSIONS) break;
        this.sessions.delete(oldest);
      }
      return;
    }
    // A line recorded again (a sync repeats what was heard live) keeps its place in the order: a
    // Map's `set` of a known key does not move it.
    this.lines.set(`${channel}\u0000${lineKey(r.user, r.time, r.text)}`, r);
    for (const oldest of this.lines.keys()) {
      if (this.lines.size <= this.maxRecords) break;
      this.lines.delete(oldest);
    }
  }

  /** The channel's latest session heard, whichever node it was. */
  latestSession(platform: string, channel: string): Session | undefined {
    return this.sessions.get(channelKey(platform, channel));
  }

  /** The channel's recorded lines, by `lineKey`. */
  handled(platform: string, channel: string): Map<string, HandledLine> {
    const prefix = `${channelKey(platform, channel)}\u0000`;
    const found = new Map<string, HandledLine>();
    for (const [key, { kind: _kind, node: _node, ...line }] of this.lines)
      if (key.startsWith(prefix)) found.set(key.slice(prefix.length), line);
    return found;
  }

  /** The latest sessions this node itself holds or held. */
  sessionsOf(node: string): Session[] {
    return [...this.sessions.values()].filter((s) => s.node === node);
  }

  /**
   * What a sync answers: every channel's latest session, and the newest lines, at most `max` of
   * them and as many as fit in `bytes` of JSON with the sessions.
   */
  recent(max = MAX_SYNC_RECORDS, bytes = SYNC_BYTES): HandoverRecord[] {
    const sessions = [...this.sessions.values()];
    let room = bytes - Buffer.byteLength(JSON.stringify(sessions));
    const lines: Handled[] = [];
    const all = [...this.lines.values()];
    for (let i = all.length - 1; i >= 0 && lines.length < max; i--) {
      room -= Buffer.byteLength(JSON.stringify(all[i])) + 1;
      if (room < 0) break;
      lines.push(all[i]!);
    }
    return [...sessions, ...lines.reverse()];
  }

  get size(): number {
    return this.lines.size;
  }
}
