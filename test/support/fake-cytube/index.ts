/**
 * A fake CyTube server for tests, faithful to the recordings in test/fixtures/cytube-transcripts/
 * (see test/cytube/fake-server.test.ts, which replays all of them against it).
 */
import type { Channel, ChannelSetup, ChatLine } from './channel.js';
import type { ConnectRateLimit } from './ip-limits.js';
import type { MediaRegistry } from './media.js';
import { kick as kickUser, setChannelRank } from './moderation.js';
import type { PlaylistItem } from './playlist.js';
import { FakeCytubeServer } from './server.js';
import type { FakeLogEntry } from './session.js';

export type { FakeLogEntry } from './session.js';
export type { PlaylistItem } from './playlist.js';
export type { Media, MediaRegistry } from './media.js';
export {
  CYTUBE_CONNECT_RATE,
  CYTUBE_IP_CONNECTION_LIMIT,
  IP_TEXT,
  type ConnectRateLimit,
} from './ip-limits.js';

export interface FakeCytubeOptions {
  /** Registered accounts: name → password. Names are case-insensitive. */
  accounts?: Record<string, string>;
  /** Registered channels and their starting state. Unknown (valid) channel names are created unregistered on join, as the real server does. */
  channels?: Record<string, ChannelSetup>;
  /** Seconds between guest logins per IP (real default 60; default here 0, as in the recordings). */
  guestLoginDelaySec?: number;
  /** Default 320. */
  maxChatLength?: number;
  /** Default: a free port. */
  port?: number;
  /** Media the fake may "look up": key `type:id`, e.g. `{'yt:dQw4w9WgXcQ': {title: 'x', seconds: 212}}`. */
  media?: MediaRegistry;
  /** Delay standing in for the password hash check of registered logins. Default 30 ms. */
  passwordCheckMs?: number;
  /** Duration given to `fi` (raw https file) items, which the real server probes with ffprobe. Default 60. */
  rawFileSeconds?: number;
  /** usercount throttle window. Default 10000 ms, as on the real server. */
  usercountThrottleMs?: number;
  /** How long after a registered login its channel rank follows. Default 10 ms, as observed. */
  rankSettleMs?: number;
  /**
   * CyTube's per-IP connection rate limit (`CYTUBE_CONNECT_RATE`: 5 quick, then 1 per 10 s).
   * Off by default: most tests connect many clients from 127.0.0.1, which a real server would
   * refuse as well (real tests give each client its own address); tests of the limit turn it on.
   */
  connectRate?: ConnectRateLimit;
  /** CyTube's limit on concurrent sockets per IP (`CYTUBE_IP_CONNECTION_LIMIT`, 10). Off by default, as above. */
  ipConnectionLimit?: number;
  /** Server-wide IP bans: their connects fail with "You are banned from the server". */
  bannedIps?: string[];
}

export interface FakeChannelUser {
  name: string;
  rank: number;
  afk: boolean;
  muted: boolean;
}

export interface FakeChannel {
  readonly name: string;
  users(): FakeChannelUser[];
  /** Chat lines as delivered to ordinary users (what alice would see), in order. */
  readonly chat: ChatLine[];
  /** The last ≤ 15 lines a joining client gets replayed. */
  readonly history: ChatLine[];
  readonly options: Record<string, unknown>;
  readonly permissions: Record<string, number>;
  /** Broadcasts channelOpts like the real server. */
  setOptions(partial: Record<string, unknown>): void;
  /** Broadcasts setPermissions. */
  setPermissions(partial: Record<string, number>): void;
  /** As if the founder did setChannelRank (online target: userlist, rank, setUserRank …). Throws for unknown accounts. */
  setRank(name: string, rank: number): void;
  /** A name ban by a moderator: a present user is kicked ("You're banned!"); a later join is kicked after its join burst. */
  ban(name: string, by?: string): void;
  /** kick {reason} then server disconnect. Returns false when nobody by that name is in the channel. */
  kick(name: string, reason: string): boolean;
  setPlaylistLocked(locked: boolean): void;
  readonly playlistLocked: boolean;
  readonly playlist: PlaylistItem[];
}

export interface FakeCytube {
  /** e.g. http://127.0.0.1:PORT; serves GET /socketconfig/<channel>.json and socket.io on the same port. */
  readonly baseUrl: string;
  readonly port: number;
  channel(name: string): FakeChannel;
  /** Sockets currently connected. */
  connections(): number;
  /** Registered logins whose (delayed, like a hash check) answer has not been sent yet. */
  loginsInProgress(): number;
  /** Every event to and from every socket, in order (`dir` from the client's point of view). */
  readonly log: FakeLogEntry[];
  /** Drops every socket abruptly (clients see "transport close") and closes the port. */
  stop(): Promise<void>;
  /** stop() then listen again on the same port; registered channel state survives. */
  restart(): Promise<void>;
}

function channelFacade(ch: Channel): FakeChannel {
  return {
    name: ch.name,
    users: () =>
      ch.loggedIn().map((s) => ({ name: s.user?.name ?? '', rank: s.rank, afk: s.afk, muted: s.muted })),
    get chat() {
      return ch.chat;
    },
    get history() {
      return ch.history;
    },
    get options() {
      return ch.options;
    },
    get permissions() {
      return ch.permissions;
    },
    setOptions: (partial) => ch.setOptions(partial),
    setPermissions: (partial) => ch.setPermissions(partial),
    setRank(name, rank) {
      if (!ch.ctx.accounts.isRegistered(name))
        throw new Error(`fake-cytube: ${name} is not a registered account`);
      const founder = [...ch.ranks.entries()].find(([, r]) => r >= 5)?.[0] ?? 'server';
      setChannelRank(ch, { name: founder, rank: Math.max(5, rank + 1) }, name, rank);
    },
    ban: (name, by = 'alice') => ch.ban(name, by),
    kick(name, reason) {
      const target = ch.findUser(name);
      if (!target) return false;
      kickUser(ch, target, reason);
      return true;
    },
    setPlaylistLocked: (locked) => ch.setLocked(locked),
    get playlistLocked() {
      return ch.locked;
    },
    get playlist() {
      return ch.playlist.items;
    },
  };
}

export async function startFakeCytube(options: FakeCytubeOptions = {}): Promise<FakeCytube> {
  const server = new FakeCytubeServer({
    accounts: options.accounts ?? {},
    channels: options.channels ?? {},
    guestLoginDelaySec: options.guestLoginDelaySec ?? 0,
    maxChatLength: options.maxChatLength ?? 320,
    port: options.port ?? 0,
    media: options.media ?? {},
    passwordCheckMs: options.passwordCheckMs ?? 30,
    rawFileSeconds: options.rawFileSeconds ?? 60,
    usercountThrottleMs: options.usercountThrottleMs ?? 10_000,
    rankSettleMs: options.rankSettleMs ?? 10,
    connectRate: options.connectRate,
    ipConnectionLimit: options.ipConnectionLimit,
    bannedIps: options.bannedIps ?? [],
  });
  await server.listen();
  return {
    get baseUrl() {
      return server.baseUrl;
    },
    get port() {
      return server.port;
    },
    channel: (name) => channelFacade(server.channel(name)),
    connections: () => server.connections(),
    loginsInProgress: () => [...server.sessions()].filter((s) => s.loginInProgress).length,
    log: server.log,
    stop: () => server.stop(),
    async restart() {
      await server.stop();
      await server.listen();
    },
  };
}
