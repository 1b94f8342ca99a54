import { MAX_SYNC_RECORDS, type HandledLine, type HandoverRecord } from '../../contract/messages/handover.js';
import { lineKey } from './takeover.js';

/** Records kept, all channels together: at CyTube's 10 lines a second, over 8 minutes of answers. */
export const MAX_RECORDS = 5000;

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
      if (!known || r.term > known.term || (r.term === known.term && r.after >= known.after))
        this.sessions.set(channel, r);
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

  /** What a sync answers: every channel's latest session and the newest `max` lines. */
  recent(max = MAX_SYNC_RECORDS): HandoverRecord[] {
    return [...this.sessions.values(), ...[...this.lines.values()].slice(-max)];
  }

  get size(): number {
    return this.lines.size;
  }
}
