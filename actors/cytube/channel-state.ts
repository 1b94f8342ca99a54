import type { Media, PlaylistItem } from '../../contract/messages/channel-events.js';
import type { ChatMessage } from '../../contract/messages/chat.js';
import { DEFAULT_PERMISSIONS, type Permissions } from './permissions.js';
import {
  MAX_PLAYLIST,
  MAX_USERS,
  type KnownServerEvent,
  type ServerItem,
  type ServerUser,
} from './server-events.js';

export interface ChannelUser {
  name: string;
  rank: number;
  afk: boolean;
  muted: boolean;
}

/** What the connector knows about its channel in the current session. */
export interface ChannelState {
  /** Keyed by lower-case name: CyTube names are case-insensitive. */
  users: ReadonlyMap<string, ChannelUser>;
  /** Our own name as the server spells it, once logged in. */
  self?: string;
  guest: boolean;
  /** The bot's own rank (`rank` events): -1 until logged in. */
  rank: number;
  loggedIn: boolean;
  /**
   * The join burst ended with `userlist`. Until then every `chatMsg` is the history replay, which
   * CyTube sends to each new socket; this is independent of `loggedIn` (the two race).
   */
  inChannel: boolean;
  /**
   * The history replay of this session, oldest first: what a node taking the channel over compares
   * with its predecessor's records (actors/cluster/takeover.ts).
   */
  history: ChatMessage[];
  permissions: Permissions;
  /** `channelOpts`, with the channel password removed: it must not reach logs or the bus. */
  options: Record<string, unknown>;
  playlistLocked: boolean;
  playlist: PlaylistItem[];
  current?: number;
  media?: Media;
}

export const emptyChannel = (): ChannelState => ({
  users: new Map(),
  guest: false,
  rank: -1,
  loggedIn: false,
  inChannel: false,
  history: [],
  permissions: DEFAULT_PERMISSIONS,
  options: {},
  playlistLocked: true,
  playlist: [],
});

/** What happened in the channel, for the normalised `rosey.events.*` subjects. */
export type ChannelChange =
  | { kind: 'user.list'; users: Array<{ user: string; rank: number }>; partial?: true }
  | { kind: 'user.join'; user: string; rank: number }
  | { kind: 'user.leave'; user: string }
  | { kind: 'user.rank'; user: string; rank: number; previous?: number }
  | { kind: 'user.afk'; user: string; afk: boolean }
  | { kind: 'media.change'; media: Media }
  | { kind: 'playlist.add'; item: PlaylistItem; after: number | 'prepend' }
  | { kind: 'playlist.delete'; uid: number }
  | { kind: 'playlist.move'; uid: number; after: number | 'prepend' }
  | { kind: 'playlist.reset'; count: number };

type UserListChange = Extract<ChannelChange, { kind: 'user.list' }>;

export interface Applied {
  state: ChannelState;
  changes: ChannelChange[];
  /** Something worth a log line (a truncated list, an event about a stranger). */
  note?: string;
}

const key = (name: string) => name.toLowerCase();

/**
 * Bytes of names one `user.list` event carries at most. NATS refuses a message over its
 * max_payload (1 MiB) and the confirmed publisher would retry it, holding up every event behind it;
 * 5000 names of 100 characters can reach 3 MB in JSON (a control character is 6 bytes escaped).
 */
export const MAX_LIST_BYTES = 512 * 1024;
/** A listed user's JSON besides the name: `{"user":,"rank":}` and the longest number. */
const LISTED_OVERHEAD = 48;

/** Who is in the channel besides the bot, for the `user.list` event: as many as fit in it. */
function listOf(users: Iterable<ChannelUser>, self: string | undefined, cut: boolean): UserListChange {
  const listed: Array<{ user: string; rank: number }> = [];
  let bytes = 0;
  for (const u of users) {
    if (self !== undefined && key(u.name) === key(self)) continue;
    bytes += Buffer.byteLength(JSON.stringify(u.name)) + LISTED_OVERHEAD;
    if (bytes > MAX_LIST_BYTES) return { kind: 'user.list', users: listed, partial: true };
    listed.push({ user: u.name, rank: u.rank });
  }
  return cut ? { kind: 'user.list', users: listed, partial: true } : { kind: 'user.list', users: listed };
}

const toUser = (u: ServerUser): ChannelUser => ({
  name: u.name,
  rank: u.rank,
  afk: u.meta?.afk === true,
  muted: u.meta?.muted === true,
});

const toItem = (i: ServerItem): PlaylistItem => ({
  uid: i.uid,
  media: { type: i.media.type, id: i.media.id, title: i.media.title, seconds: i.media.seconds },
  queuedBy: i.queueby,
  temp: i.temp,
});

const afterOf = (after: number | string): number | 'prepend' =>
  typeof after === 'number' ? after : 'prepend';

export function redactOptions(options: Record<string, unknown>): Record<string, unknown> {
  if (!('password' in options)) return options;
  // Keep whether there is one: `false` means none.
  return {
    ...options,
    password: options.password === false || options.password === '' ? false : '[redacted]',
  };
}

function withUser(state: ChannelState, user: ChannelUser): ChannelState {
  const users = new Map(state.users);
  users.set(key(user.name), user);
  return { ...state, users };
}

function insertAfter(list: PlaylistItem[], item: PlaylistItem, after: number | 'prepend'): PlaylistItem[] {
  const rest = list.filter((i) => i.uid !== item.uid);
  if (after === 'prepend') return [item, ...rest];
  const at = rest.findIndex((i) => i.uid === after);
  return at < 0 ? [...rest, item] : [...rest.slice(0, at + 1), item, ...rest.slice(at + 1)];
}

/** The channel after one server event, and what changed (pure). */
export function applyServerEvent(state: ChannelState, event: KnownServerEvent): Applied {
  const same = { state, changes: [] };
  switch (event.name) {
    case 'rank':
      return { state: { ...state, rank: event.data }, changes: [] };
    case 'login': {
      if (!event.data.success) return same;
      const self = event.data.name ?? state.self;
      let next: ChannelState = { ...state, loggedIn: true, self, guest: event.data.guest === true };
      // The userlist may have arrived before the login; we are in the channel either way.
      if (self && !next.users.has(key(self)) && next.inChannel)
        next = withUser(next, { name: self, rank: Math.max(0, state.rank), afk: false, muted: false });
      return { state: next, changes: [] };
    }
    case 'userlist': {
      const list = event.data.slice(0, MAX_USERS);
      const users = new Map(list.map((u) => [key(u.name), toUser(u)]));
      if (state.self && !users.has(key(state.self)) && state.loggedIn)
        users.set(key(state.self), {
          name: state.self,
          rank: Math.max(0, state.rank),
          afk: false,
          muted: false,
        });
      const cut = event.data.length > MAX_USERS;
      const note = cut ? `userlist of ${event.data.length} users: kept the first ${MAX_USERS}` : undefined;
      // The first list of a session tells who was here before the bot (a reconnect starts a new
      // session: people may have come and gone meanwhile).
      if (!state.inChannel) {
        const list = listOf(users.values(), state.self, cut);
        return {
          state: { ...state, users, inChannel: true },
          changes: [list],
          note:
            note ??
            (list.partial
              ? `user list too long for one event: published the first ${list.users.length}`
              : undefined),
        };
      }
      // Mid-session CyTube resends the whole list to a user whose rank changed (the moderator
      // view or the plain one), before the `setUserRank`: the change shows up here first.
      const changes: ChannelChange[] = [];
      for (const [k, user] of users) {
        const before = state.users.get(k);
        if (before && before.rank !== user.rank)
          changes.push({ kind: 'user.rank', user: user.name, rank: user.rank, previous: before.rank });
      }
      return { state: { ...state, users, inChannel: true }, changes, note };
    }
    case 'addUser': {
      const user = toUser(event.data);
      const known = state.users.has(key(user.name));
      if (!known && state.users.size >= MAX_USERS)
        return { ...same, note: `user list full: ${user.name} not tracked` };
      const isSelf = state.self !== undefined && key(state.self) === key(user.name);
      return {
        state: withUser(state, user),
        // A rejoin after a duplicate login re-adds a known name; only strangers "join".
        changes:
          known || isSelf || !state.inChannel
            ? []
            : [{ kind: 'user.join', user: user.name, rank: user.rank }],
      };
    }
    case 'userLeave': {
      const k = key(event.data.name);
      // During a duplicate login the new socket is told its own name left: that is the old session.
      if (state.self && k === key(state.self)) return same;
      if (!state.users.has(k)) return same;
      const users = new Map(state.users);
      const gone = users.get(k)!;
      users.delete(k);
      return { state: { ...state, users }, changes: [{ kind: 'user.leave', user: gone.name }] };
    }
    case 'setUserRank': {
      const k = key(event.data.name);
      const isSelf = state.self !== undefined && k === key(state.self);
      const user = state.users.get(k);
      // CyTube announces ranks of people still at the password prompt: not in our list, not ours to track.
      if (!user) return isSelf ? { state: { ...state, rank: event.data.rank }, changes: [] } : same;
      const next = withUser(state, { ...user, rank: event.data.rank });
      const changes: ChannelChange[] =
        user.rank === event.data.rank
          ? []
          : [{ kind: 'user.rank', user: user.name, rank: event.data.rank, previous: user.rank }];
      return { state: isSelf ? { ...next, rank: event.data.rank } : next, changes };
    }
    case 'setAFK': {
      const user = state.users.get(key(event.data.name));
      if (!user || user.afk === event.data.afk) return same;
      return {
        state: withUser(state, { ...user, afk: event.data.afk }),
        changes: [{ kind: 'user.afk', user: user.name, afk: event.data.afk }],
      };
    }
    case 'setUserMeta': {
      const user = state.users.get(key(event.data.name));
      if (!user) return same;
      const m = event.data.meta;
      const afk = typeof m.afk === 'boolean' ? m.afk : user.afk;
      // CyTube sends this and `setAFK` for one change, in either order: report the first.
      return {
        state: withUser(state, { ...user, afk, muted: typeof m.muted === 'boolean' ? m.muted : user.muted }),
        changes: afk === user.afk ? [] : [{ kind: 'user.afk', user: user.name, afk }],
      };
    }
    case 'setPermissions':
      return { state: { ...state, permissions: { ...DEFAULT_PERMISSIONS, ...event.data } }, changes: [] };
    case 'channelOpts':
      return { state: { ...state, options: redactOptions(event.data) }, changes: [] };
    case 'setPlaylistLocked':
      return { state: { ...state, playlistLocked: event.data }, changes: [] };
    case 'playlist': {
      const playlist = event.data.slice(0, MAX_PLAYLIST).map(toItem);
      return { state: { ...state, playlist }, changes: [{ kind: 'playlist.reset', count: playlist.length }] };
    }
    case 'queue': {
      if (state.playlist.length >= MAX_PLAYLIST)
        return { ...same, note: 'playlist too long: item not tracked' };
      const item = toItem(event.data.item);
      const after = afterOf(event.data.after);
      return {
        state: { ...state, playlist: insertAfter(state.playlist, item, after) },
        changes: [{ kind: 'playlist.add', item, after }],
      };
    }
    case 'delete': {
      if (!state.playlist.some((i) => i.uid === event.data.uid)) return same;
      return {
        state: { ...state, playlist: state.playlist.filter((i) => i.uid !== event.data.uid) },
        changes: [{ kind: 'playlist.delete', uid: event.data.uid }],
      };
    }
    case 'moveVideo': {
      // CyTube names the target `after` (the uid the item now follows), not a position.
      const item = state.playlist.find((i) => i.uid === event.data.from);
      if (!item) return same;
      const after = afterOf(event.data.after);
      return {
        state: { ...state, playlist: insertAfter(state.playlist, item, after) },
        changes: [{ kind: 'playlist.move', uid: item.uid, after }],
      };
    }
    case 'setTemp':
      return {
        state: {
          ...state,
          playlist: state.playlist.map((i) =>
            i.uid === event.data.uid ? { ...i, temp: event.data.temp } : i,
          ),
        },
        changes: [],
      };
    case 'setCurrent':
      return { state: { ...state, current: event.data }, changes: [] };
    case 'changeMedia': {
      const m = event.data;
      const media: Media = { type: m.type, id: m.id, title: m.title, seconds: m.seconds };
      const unchanged = state.media && state.media.type === media.type && state.media.id === media.id;
      return { state: { ...state, media }, changes: unchanged ? [] : [{ kind: 'media.change', media }] };
    }
    default:
      return same;
  }
}
