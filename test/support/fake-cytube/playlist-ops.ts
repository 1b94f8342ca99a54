/**
 * Playlist commands. Which permission applies depends on the lock: `playlistadd` while locked,
 * `oplaylistadd` while open (and the same pairs for next/move/delete/jump). Missing rank on a
 * locked playlist gets no reply (11); media problems get `queueFail {msg, link, id}`.
 */
import type { Channel } from './channel.js';
import { TEXT } from './defaults.js';
import { MOD_QUEUE_FLOOD, USER_QUEUE_FLOOD } from './flood-limiter.js';
import { lookupMedia } from './media.js';
import type { PlaylistItem } from './playlist.js';
import type { Session } from './session.js';
import { isRecord, shapeError } from './validate.js';

function lockPerm(ch: Channel, key: string): string {
  return ch.locked ? key : `o${key}`;
}

function play(ch: Channel, item: PlaylistItem | undefined): void {
  if (!item) return;
  ch.playlist.current = item.uid;
  ch.broadcast('setCurrent', item.uid);
  ch.broadcast('changeMedia', { ...item.media, currentTime: 0, paused: false });
  // A media change resets the drink counter (11) …
  ch.broadcast('drinkCount', 0);
  // … and the vote; only those allowed to see votes are told (11: alice, not the bot).
  ch.broadcastEach('voteskip', (v) => (ch.can(v, 'viewvoteskip') ? { count: 0, need: 0 } : undefined));
}

export function handleQueue(s: Session, data: unknown): void {
  const bad = shapeError('queue', data, {
    id: { type: 'string' },
    type: { type: 'string' },
    pos: { type: 'string', optional: true },
    title: { type: 'string', optional: true },
    temp: { type: 'boolean', optional: true },
  });
  if (bad) return void s.send('errorMsg', { msg: bad });
  const ch = s.channel;
  if (!ch || !s.user) return;
  const req = data as { id: string; type: string; pos?: string; title?: string; temp?: boolean };
  const pos = req.pos === 'next' ? 'next' : 'end';
  if (!ch.can(s, lockPerm(ch, 'playlistadd'))) return;
  if (pos === 'next' && !ch.can(s, lockPerm(ch, 'playlistnext'))) return;
  const fail = (msg: string, link = '') => s.send('queueFail', { msg, link, id: req.id });
  if (!s.queueLimiter(s.rank >= 2 ? MOD_QUEUE_FLOOD : USER_QUEUE_FLOOD).tryAcquire()) {
    return void fail(TEXT.queueTooFast);
  }
  const found = lookupMedia(req, ch.ctx.media, ch.ctx.rawFileSeconds);
  if (!found.ok) return void fail(found.msg, found.link);
  const media = found.media;
  // The live check comes first: a rank-1 custom embed fails as "live media", not as "custom" (11).
  if (media.seconds === 0 && !ch.can(s, 'playlistaddlive')) return void fail(TEXT.noLive);
  if (media.type === 'cu' && !ch.can(s, 'playlistaddcustom')) return void fail(TEXT.noCustom);
  if (media.type === 'fi' && !ch.can(s, 'playlistaddrawfile')) return void fail(TEXT.noRawFile);
  if (ch.options.allow_dupes !== true && ch.playlist.items.some((i) => i.media.id === media.id)) {
    return void fail(TEXT.duplicateItem);
  }
  const temp = req.temp === false && ch.can(s, 'addnontemp') ? false : true;
  const added = ch.playlist.add(media, pos, temp, s.user.name);
  ch.broadcast('queue', added);
  ch.broadcast('setPlaylistMeta', ch.playlist.meta());
  if (ch.playlist.current === undefined) play(ch, added.item);
}

export function handleDelete(s: Session, data: unknown): void {
  const ch = s.channel;
  if (!ch || typeof data !== 'number' || !ch.can(s, lockPerm(ch, 'playlistdelete'))) return;
  const removed = ch.playlist.remove(data);
  if (!removed) return;
  ch.broadcast('delete', { uid: data });
  ch.broadcast('setPlaylistMeta', ch.playlist.meta());
  // Deleting the playing item moves on when something is left; deleting the last one says nothing more (11).
  if (removed.next) play(ch, removed.next);
}

export function handleMoveMedia(s: Session, data: unknown): void {
  const ch = s.channel;
  if (!ch || !isRecord(data) || !ch.can(s, lockPerm(ch, 'playlistmove'))) return;
  const { from, after } = data;
  if (typeof from !== 'number' || (typeof after !== 'number' && after !== 'prepend')) return;
  if (ch.playlist.move(from, after)) ch.broadcast('moveVideo', { from, after });
}

export function handleJumpTo(s: Session, data: unknown): void {
  const ch = s.channel;
  if (!ch || typeof data !== 'number' || !ch.can(s, lockPerm(ch, 'playlistjump'))) return;
  play(ch, ch.playlist.get(data));
}

export function handlePlayNext(s: Session): void {
  const ch = s.channel;
  if (!ch || !ch.can(s, lockPerm(ch, 'playlistjump'))) return;
  const items = ch.playlist.items;
  const index = ch.playlist.current === undefined ? -1 : ch.playlist.indexOf(ch.playlist.current);
  play(ch, items[index + 1] ?? items[0]);
}

export function handleSetTemp(s: Session, data: unknown): void {
  const ch = s.channel;
  if (!ch || !isRecord(data) || !ch.can(s, 'settemp')) return;
  const { uid, temp } = data;
  const item = typeof uid === 'number' ? ch.playlist.get(uid) : undefined;
  if (!item || typeof temp !== 'boolean') return;
  item.temp = temp;
  ch.broadcast('setTemp', { uid, temp });
}

export function handleTogglePlaylistLock(s: Session): void {
  const ch = s.channel;
  if (!ch || !ch.can(s, 'playlistlock')) return;
  ch.setLocked(!ch.locked);
}
