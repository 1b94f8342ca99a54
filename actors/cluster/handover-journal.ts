import type { HandledLine, HandoverRecord } from '../../contract/messages/handover.js';
import { lineKey } from './takeover.js';

/** Records kept, all channels together: at CyTube's 10 lines a second, over 8 minutes of answers. */
export const MAX_RECORDS = 5000;

const channelKey = (platform: string, channel: string) => `${platform}\u0000${channel}`;

/**
 * What the nodes of a cluster recorded of their channels (contract/messages/handover.ts), heard on
 * `rosey.cluster.handover.*`: each channel's latest session and the lines answered, the oldest
 * forgotten first beyond `MAX_RECORDS`.
 */
export class HandoverJournal {
  private readonly sessions = new Map<string, { node: string; after: number }>();
  /** By channel and line; a Map keeps insertion order, so the first key is the oldest. */
  private readonly lines = new Map<string, HandledLine>();

  constructor(private readonly maxRecords = MAX_RECORDS) {}

  record(r: HandoverRecord): void {
    const channel = channelKey(r.platform, r.channel);
    if (r.kind === 'session') {
      this.sessions.set(channel, { node: r.node, after: r.after });
      return;
    }
    const key = `${channel}\u0000${lineKey(r.user, r.time, r.text)}`;
    // A second record of the same line (its answer after a silent one cannot happen, but a
    // duplicate delivery can) keeps the newer, at the end.
    this.lines.delete(key);
    const { kind: _kind, node: _node, ...line } = r;
    this.lines.set(key, line);
    for (const oldest of this.lines.keys()) {
      if (this.lines.size <= this.maxRecords) break;
      this.lines.delete(oldest);
    }
  }

  /** The channel's latest session heard, whichever node it was. */
  latestSession(platform: string, channel: string): { node: string; after: number } | undefined {
    return this.sessions.get(channelKey(platform, channel));
  }

  /** The channel's recorded lines, by `lineKey`. */
  handled(platform: string, channel: string): Map<string, HandledLine> {
    const prefix = `${channelKey(platform, channel)}\u0000`;
    const found = new Map<string, HandledLine>();
    for (const [key, line] of this.lines)
      if (key.startsWith(prefix)) found.set(key.slice(prefix.length), line);
    return found;
  }

  get size(): number {
    return this.lines.size;
  }
}
