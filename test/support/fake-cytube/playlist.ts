/** Playlist order and the "current" pointer; events are sent by the channel, not here. */
import { formatDuration, type Media } from './media.js';

export interface PlaylistItem {
  media: Media;
  uid: number;
  temp: boolean;
  queueby: string;
}

export class Playlist {
  items: PlaylistItem[] = [];
  current: number | undefined;
  private nextUid = 0;

  /** `after` is the uid the new item follows, or "prepend" (what the `queue` broadcast carries). */
  add(
    media: Media,
    pos: 'end' | 'next',
    temp: boolean,
    queueby: string,
  ): { item: PlaylistItem; after: number | 'prepend' } {
    const item: PlaylistItem = { media, uid: this.nextUid++, temp, queueby };
    let index: number;
    if (pos === 'next' && this.current !== undefined) index = this.indexOf(this.current) + 1;
    else if (pos === 'next') index = 0;
    else index = this.items.length;
    this.items.splice(index, 0, item);
    const prev = this.items[index - 1];
    return { item, after: prev ? prev.uid : 'prepend' };
  }

  indexOf(uid: number): number {
    return this.items.findIndex((i) => i.uid === uid);
  }

  get(uid: number): PlaylistItem | undefined {
    return this.items.find((i) => i.uid === uid);
  }

  /** Removes the item; returns it and, when it was current, the item that should play next. */
  remove(uid: number): { removed: PlaylistItem; next: PlaylistItem | undefined } | undefined {
    const index = this.indexOf(uid);
    if (index < 0) return undefined;
    const [removed] = this.items.splice(index, 1);
    if (!removed) return undefined;
    let next: PlaylistItem | undefined;
    if (this.current === uid) {
      next = this.items[index] ?? this.items[0];
      this.current = next?.uid;
    }
    return { removed, next };
  }

  move(from: number, after: number | 'prepend'): boolean {
    const index = this.indexOf(from);
    if (index < 0 || from === after) return false;
    if (after !== 'prepend' && this.indexOf(after) < 0) return false;
    const [item] = this.items.splice(index, 1);
    if (!item) return false;
    const target = after === 'prepend' ? 0 : this.indexOf(after) + 1;
    this.items.splice(target, 0, item);
    return true;
  }

  meta(): { count: number; rawTime: number; time: string } {
    const rawTime = this.items.reduce((sum, i) => sum + i.media.seconds, 0);
    return { count: this.items.length, rawTime, time: formatDuration(rawTime) };
  }
}
