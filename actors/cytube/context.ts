import { Tally } from '../tally/tally.js';
import type { BusLink } from '../bus/bus-link.js';
import type { ConnectorState } from '../../contract/messages/connector-state.js';
import type { Logger } from '../../contract/log.js';
import type { BackoffOptions } from '../../supervisors/backoff.js';
import { emptyChannel, type ChannelState } from './channel-state.js';
import { emptyCounters, type Counters } from './counters.js';
import { emptyOutbox, type Outbox } from './outbox.js';
import type { PlaylistWaiter } from './playlist-replies.js';
import type { RetryCause } from './retry.js';

export interface CytubeInput {
  link: BusLink;
  logger: Logger;
  /** Where the lines it takes to send are told, for the metrics actor (actors/tally). */
  tally?: Tally;
  /** Base URL of the CyTube site, e.g. `https://cytu.be`. */
  server: string;
  channel: string;
  channelPassword?: string;
  username: string;
  /** Without one the bot joins as a guest. */
  password?: string;
  /** CyTube's `max-chat-message-length` (not sent to clients; 320 on a stock server). */
  maxMessageLength: number;
  /** A reply longer than this many lines is cut. */
  maxReplyParts: number;
  reconnect: BackoffOptions;
  /** A session that stayed up this long starts the backoff again from its minimum. */
  stableAfterMs?: number;
  discoveryTimeoutMs?: number;
  connectTimeoutMs?: number;
  joinTimeoutMs?: number;
  /** After `needPassword`, how long to wait for CyTube to let a moderator in anyway. */
  passwordGraceMs?: number;
  /** Lines not sent within this long (disconnected, flood-limited) are dropped and counted. */
  maxQueueAgeMs?: number;
  maxQueueLength?: number;
  /** How long CyTube may take to confirm a playlist add (it looks the media up first) … */
  queueTimeoutMs?: number;
  /** … and a delete, move or jump. */
  playlistTimeoutMs?: number;
  /** Waits for the server's guest-login delay (or a guest name still held) before giving up. */
  maxLoginRetries?: number;
  now?: () => number;
}

export type Settings = Required<Omit<CytubeInput, 'channelPassword' | 'password'>> &
  Pick<CytubeInput, 'channelPassword' | 'password'>;

export type Phase = ConnectorState['state'];

export interface CytubeContext {
  input: Settings;
  phase: Phase;
  socketUrl?: string;
  channel: ChannelState;
  outbox: Outbox;
  /** Playlist requests sent, waiting for the server's broadcast. */
  waiters: PlaylistWaiter[];
  /** Playlist items still in the outbox (by seq), with the request to answer. */
  pendingReplies: Record<number, string>;
  nextSeq: number;
  /** Failed sessions since the last stable one (socket connects: these back off exponentially). */
  attempts: number;
  /** Failed `socketconfig` probes in a row (a site that does not answer is probed about once a second). */
  probes: number;
  /** Why the next backoff starts, when it is not an ordinary failed session (retry.ts). */
  retryCause?: RetryCause;
  /** The wait decided on entering the backoff, and when it ends (for `rosey status`). */
  retryDelayMs: number;
  retryAt?: number;
  /** A temporary refusal CyTube sent before closing the socket (its per-IP connection limit). */
  refusal?: string;
  readyAt?: number;
  /** The bot has been in the channel at least once (a later socketconfig 404 is then an outage). */
  everReady: boolean;
  loginRetries: number;
  /** The wait before the next login attempt. */
  loginWaitMs: number;
  /** While waiting to log in again: why, and until when (for `rosey status`). */
  loginWait?: { reason: string; until: number };
  /** The bot's channel rank has arrived (a guest has none; an account gets `setUserRank` after login). */
  rankSettled: boolean;
  /** The "in <channel> as …" line of this session has been logged. */
  joinLogged: boolean;
  /** CyTube asked for the channel password and has not let the bot in yet. */
  passwordPrompt: boolean;
  /** Why the connector stopped trying (kick, ban, bad credentials); shown by `rosey status`. */
  halt?: string;
  lastError?: string;
  counters: Counters;
  /** The last facts sent to the supervisor, to send only changes. */
  reported?: string;
  bound: boolean;
}

/** A connector before its first connection: the defaults of every setting not given. */
export function initialContext(input: CytubeInput): CytubeContext {
  return {
    input: {
      tally: new Tally(),
      stableAfterMs: 30_000,
      discoveryTimeoutMs: 10_000,
      connectTimeoutMs: 15_000,
      joinTimeoutMs: 30_000,
      passwordGraceMs: 5000,
      maxQueueAgeMs: 60_000,
      maxQueueLength: 500,
      queueTimeoutMs: 20_000,
      playlistTimeoutMs: 5000,
      maxLoginRetries: 5,
      now: () => Date.now(),
      ...input,
    },
    phase: 'discovering',
    channel: emptyChannel(),
    outbox: emptyOutbox(),
    waiters: [],
    pendingReplies: {},
    nextSeq: 1,
    attempts: 0,
    probes: 0,
    retryDelayMs: 0,
    everReady: false,
    loginRetries: 0,
    loginWaitMs: 0,
    rankSettled: false,
    joinLogged: false,
    passwordPrompt: false,
    counters: emptyCounters(),
    bound: false,
  };
}
