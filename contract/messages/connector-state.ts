import type { Media, PlaylistItem } from './channel-events.js';

/**
 * What the connector counts, for `rosey status` and the state subject. A line that could not be
 * sent is never silently lost: it is logged and counted in one of these.
 */
export interface Counters {
  /** Server events received. */
  received: number;
  /** Server events ignored because their payload did not have the expected shape. */
  invalid: number;
  /** Lines and playlist actions sent to the server. */
  sent: number;
  /** Of those, how many had to wait for the flood limit. */
  deferred: number;
  /** `cooldown` answers: the server dropped a line despite the pacing. */
  serverDrops: number;
  /** Lines sent again after a server drop. */
  resent: number;
  /** Refused before sending: the bot's rank or mute does not allow it. */
  refused: number;
  /** Given up: too old, queue full, dropped repeatedly, or the connector halted. */
  dropped: number;
  /** The server refused to deliver (PM to someone absent, muted). */
  failed: number;
  reconnects: number;
}

/**
 * The reply of `rosey.platform.cytube.state`: the connector's view of its channel. Built by the
 * connector, read by `rosey cytube status` and the tests.
 */
export interface ConnectorState {
  state: 'discovering' | 'connecting' | 'joining' | 'ready' | 'backing-off' | 'halted' | 'stopped';
  /** Why it is not in the channel (or the last trouble), when there is a reason. */
  reason: string | null;
  server: string;
  channel: string;
  user: string;
  guest: boolean;
  rank: number;
  users: Array<{ name: string; rank: number; afk: boolean; muted: boolean }>;
  playlist: PlaylistItem[];
  playlistLocked: boolean;
  current: number | null;
  media: Media | null;
  /** `channelOpts`, the channel password redacted. */
  options: Record<string, unknown>;
  permissions: Record<string, number>;
  /** Items waiting to be sent. */
  queued: number;
  counters: Counters;
}
