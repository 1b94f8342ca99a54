/** One connected socket: who it is, where it is, and the only place events are sent (so all are logged). */
import type { Socket } from 'socket.io';
import { DEFAULT_CHAT_FLOOD, FloodLimiter, type FloodParams } from './flood-limiter.js';
import type { Channel } from './channel.js';

export interface LoggedInUser {
  name: string;
  globalRank: number;
  guest: boolean;
}

export interface FakeLogEntry {
  t: number;
  socketId: string;
  user?: string;
  /** From the client's point of view, like the transcripts: `in` = server → client. */
  dir: 'in' | 'out';
  event: string;
  data: unknown;
}

export class Session {
  user: LoggedInUser | undefined;
  /** Rank as the client was last told (`rank` event); the channel rank replaces the global one after login. */
  rank = -1;
  channel: Channel | undefined;
  /** Channel whose password prompt this socket is stuck at. */
  pending: Channel | undefined;
  afk = false;
  muted = false;
  smuted = false;
  loginInProgress = false;
  /** The channel whose rank this user has been told, so a join after login applies it exactly once. */
  rankChannel: Channel | undefined;
  /** Set once the socket is leaving, so a kick and the disconnect that follows do not leave twice. */
  gone = false;
  readonly chatFlood = new FloodLimiter(DEFAULT_CHAT_FLOOD);
  private antiflood: FloodLimiter | undefined;
  private queueFlood: FloodLimiter | undefined;

  constructor(
    readonly socket: Socket,
    readonly ip: string,
    private readonly log: (e: FakeLogEntry) => void,
  ) {}

  get id(): string {
    return this.socket.id;
  }

  get name(): string | undefined {
    return this.user?.name;
  }

  send(event: string, data?: unknown): void {
    if (this.socket.disconnected) return;
    this.record('in', event, data ?? null);
    // Events without an argument (channelNotRegistered, cancelNeedPassword …) really carry none.
    if (data === undefined || data === null) this.socket.emit(event);
    else this.socket.emit(event, data);
  }

  record(dir: 'in' | 'out', event: string, data: unknown): void {
    const entry: FakeLogEntry = { t: Date.now(), socketId: this.id, dir, event, data };
    if (this.user) entry.user = this.user.name;
    this.log(entry);
  }

  /** Kept per params so a channel changing `chat_antiflood_params` starts a fresh bucket. */
  antifloodLimiter(p: FloodParams): FloodLimiter {
    if (!this.antiflood || JSON.stringify(this.antiflood.params) !== JSON.stringify(p)) {
      this.antiflood = new FloodLimiter(p);
    }
    return this.antiflood;
  }

  queueLimiter(p: FloodParams): FloodLimiter {
    if (!this.queueFlood || this.queueFlood.params !== p) this.queueFlood = new FloodLimiter(p);
    return this.queueFlood;
  }

  /** Server-initiated disconnect: the client sees "io server disconnect". */
  disconnect(): void {
    this.socket.disconnect(true);
  }

  /** Transport close without a socket.io disconnect packet: the client sees "transport close". */
  drop(): void {
    this.socket.conn.close();
  }
}
