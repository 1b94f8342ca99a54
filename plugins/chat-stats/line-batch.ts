import { userKey, type PendingLines, type Place } from './store.js';

/**
 * Chat lines waiting to be written, one entry per user and channel. Writing each line as it came
 * cost one storage request per line, `!roll` included, on the main process's event loop (SQLite
 * there): a third of a command's round trip (issue 16). A batch writes what a user said since the
 * last write in one update, whatever the number of lines.
 */
export class LineBatch {
  private pending = new Map<string, PendingLines>();

  /** Users waiting to be written. */
  get size(): number {
    return this.pending.size;
  }

  add(place: Place, name: string, at: number, counted: boolean): void {
    this.merge({ place, name, lines: counted ? 1 : 0, first: at, last: at });
  }

  /** Everything waiting, in the order users first spoke; the batch is empty after. */
  take(): PendingLines[] {
    const taken = [...this.pending.values()];
    this.pending = new Map();
    return taken;
  }

  /** Puts back what could not be written, before what came since: kept, not lost or doubled. */
  putBack(entries: PendingLines[]): void {
    const since = this.take();
    for (const entry of [...entries, ...since]) this.merge(entry);
  }

  private merge(entry: PendingLines): void {
    // Platform and channel names have no NUL: one key is one place and user.
    const key = `${entry.place.platform}\0${entry.place.channel}\0${userKey(entry.name)}`;
    const had = this.pending.get(key);
    if (!had) {
      this.pending.set(key, { ...entry });
      return;
    }
    had.name = entry.name;
    had.lines += entry.lines;
    had.first = Math.min(had.first, entry.first);
    had.last = Math.max(had.last, entry.last);
  }
}
