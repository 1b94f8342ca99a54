/** HTTP (socketconfig) and socket.io on one port, and the dispatch of client events to the handlers. */
import { createHash, randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer, type Socket } from 'socket.io';
import { AliasBook, Accounts, GuestGate } from './accounts.js';
import { Channel, type ChannelSetup, type ServerContext } from './channel.js';
import { handleChatMsg, handlePm } from './chat.js';
import { isValidChannelName } from './chat-format.js';
import { TEXT } from './defaults.js';
import { handleLogin, type LoginContext } from './login.js';
import type { MediaRegistry } from './media.js';
import { requestChannelRanks, setChannelRank } from './moderation.js';
import {
  handleDelete,
  handleJumpTo,
  handleMoveMedia,
  handlePlayNext,
  handleQueue,
  handleSetTemp,
  handleTogglePlaylistLock,
} from './playlist-ops.js';
import { ConnectGate, IP_TEXT, type ConnectRateLimit } from './ip-limits.js';
import { Session, type FakeLogEntry } from './session.js';
import { isRecord, shapeError } from './validate.js';

const ipOf = (socket: Socket) => socket.handshake.address.replace(/^::ffff:/, '');

export interface ServerConfig {
  accounts: Record<string, string>;
  channels: Record<string, ChannelSetup>;
  guestLoginDelaySec: number;
  maxChatLength: number;
  port: number;
  media: MediaRegistry;
  passwordCheckMs: number;
  rawFileSeconds: number;
  usercountThrottleMs: number;
  rankSettleMs: number;
  connectRate: ConnectRateLimit | undefined;
  ipConnectionLimit: number | undefined;
  bannedIps: string[];
}

export class FakeCytubeServer implements ServerContext, LoginContext {
  readonly accounts: Accounts;
  readonly guestGate: GuestGate;
  readonly aliases = new AliasBook();
  readonly media: MediaRegistry;
  readonly maxChatLength: number;
  readonly rawFileSeconds: number;
  readonly passwordCheckMs: number;
  readonly usercountThrottleMs: number;
  readonly rankSettleMs: number;
  /** Lives as long as the server object: a restart does not forget who connected. */
  private readonly connectGate: ConnectGate | undefined;
  private readonly ipConnectionLimit: number | undefined;
  private readonly bannedIps: Set<string>;
  readonly log: FakeLogEntry[] = [];
  private readonly channels = new Map<string, Channel>();
  private readonly live = new Set<Session>();
  private http: HttpServer | undefined;
  private io: IoServer | undefined;
  private boundPort: number;

  constructor(cfg: ServerConfig) {
    this.accounts = new Accounts(cfg.accounts);
    this.guestGate = new GuestGate(cfg.guestLoginDelaySec);
    this.media = cfg.media;
    this.maxChatLength = cfg.maxChatLength;
    this.rawFileSeconds = cfg.rawFileSeconds;
    this.passwordCheckMs = cfg.passwordCheckMs;
    this.usercountThrottleMs = cfg.usercountThrottleMs;
    this.rankSettleMs = cfg.rankSettleMs;
    this.connectGate = cfg.connectRate ? new ConnectGate(cfg.connectRate) : undefined;
    this.ipConnectionLimit = cfg.ipConnectionLimit;
    this.bannedIps = new Set(cfg.bannedIps);
    this.boundPort = cfg.port;
    for (const [name, setup] of Object.entries(cfg.channels)) {
      this.channels.set(name.toLowerCase(), new Channel(name, true, this, setup));
    }
  }

  get port(): number {
    return this.boundPort;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  sessions(): Iterable<Session> {
    return this.live;
  }

  connections(): number {
    return [...this.live].filter((s) => s.socket.connected).length;
  }

  /** Unknown valid names become unregistered channels, as on the real server. */
  channel(name: string): Channel {
    const key = name.toLowerCase();
    let ch = this.channels.get(key);
    if (!ch) {
      ch = new Channel(name, false, this);
      this.channels.set(key, ch);
    }
    return ch;
  }

  /** Unregistered channels are forgotten once nobody is in them or waiting at their prompt. */
  channelEmptied(ch: Channel): void {
    if (ch.registered || [...this.live].some((s) => s.pending === ch)) return;
    if (this.channels.get(ch.name.toLowerCase()) === ch) this.channels.delete(ch.name.toLowerCase());
  }

  async listen(): Promise<void> {
    const http = createServer((req, res) => this.onHttp(req, res));
    // The recorded server accepts EIO3 clients as well.
    const io = new IoServer(http, { allowEIO3: true, serveClient: false });
    // Refused in the handshake: the client gets `connect_error` with this message (and no `data`).
    io.use((socket, next) => {
      const ip = ipOf(socket);
      if (this.bannedIps.has(ip)) return next(new Error(IP_TEXT.serverBan));
      if (this.connectGate && !this.connectGate.admit(ip)) return next(new Error(IP_TEXT.rateLimited));
      next();
    });
    io.on('connection', (socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.boundPort, '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (http.address() as AddressInfo).port;
    this.http = http;
    this.io = io;
  }

  /** Abrupt: transports are closed without a socket.io disconnect packet, so clients see "transport close". */
  async stop(): Promise<void> {
    const http = this.http;
    const io = this.io;
    this.http = undefined;
    this.io = undefined;
    for (const s of this.live) {
      s.gone = true;
      s.drop();
    }
    this.live.clear();
    for (const [key, ch] of [...this.channels]) {
      ch.reset();
      if (!ch.registered) this.channels.delete(key);
    }
    if (!http || !io) return;
    http.closeAllConnections();
    await new Promise<void>((resolve) => io.close(() => resolve()));
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const match = /^\/socketconfig\/(.+)\.json$/.exec((req.url ?? '').split('?')[0] ?? '');
    if (!match?.[1] || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(match[1]);
    } catch {
      name = match[1];
    }
    const ok = isValidChannelName(name);
    const body = JSON.stringify(
      ok
        ? { servers: [{ url: this.baseUrl, secure: false }] }
        : { error: `Channel "${name}" does not exist.` },
    );
    // Same header set as the recorded Express answer; etag and cookie differ per run there too.
    const etag = `W/"${Buffer.byteLength(body).toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"`;
    res.writeHead(ok ? 200 : 404, {
      'x-powered-by': 'Express',
      'set-cookie': `_csrf=${randomBytes(18).toString('base64url')}; Domain=127.0.0.1; Path=/; HttpOnly`,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      etag,
    });
    res.end(body);
  }

  private onConnection(socket: Socket): void {
    const ip = ipOf(socket);
    const s = new Session(socket, ip, (e) => this.log.push(e));
    const limit = this.ipConnectionLimit;
    if (limit !== undefined && [...this.live].filter((o) => o.ip === ip).length >= limit) {
      s.send('kick', { reason: IP_TEXT.tooManyConnections });
      s.gone = true;
      s.disconnect();
      return;
    }
    this.live.add(s);
    s.send('rank', -1);
    socket.onAny((event: string, ...args: unknown[]) => {
      s.record('out', event, args.length === 0 ? null : args.length === 1 ? args[0] : args);
      try {
        this.dispatch(s, event, args[0]);
      } catch (err) {
        s.send('errorMsg', { msg: `Unexpected error for message ${event}: ${(err as Error).message}` });
      }
    });
    socket.on('disconnect', () => {
      this.live.delete(s);
      const pending = s.pending;
      s.pending = undefined;
      if (!s.gone) {
        s.gone = true;
        s.channel?.leave(s);
      }
      if (pending && pending.members.length === 0) this.channelEmptied(pending);
    });
  }

  private dispatch(s: Session, event: string, data: unknown): void {
    switch (event) {
      case 'joinChannel':
        return this.onJoin(s, data);
      case 'channelPassword':
        return this.onChannelPassword(s, data);
      case 'login':
        return handleLogin(this, s, data);
      case 'chatMsg':
        return handleChatMsg(s, data);
      case 'pm':
        return handlePm(s, data);
      case 'setChannelRank': {
        const bad = shapeError('setChannelRank', data, {
          name: { type: 'string' },
          rank: { type: 'number' },
        });
        if (bad) return void s.send('errorMsg', { msg: bad });
        const { name, rank } = data as { name: string; rank: number };
        if (s.channel && s.user)
          setChannelRank(s.channel, { name: s.user.name, rank: s.rank, session: s }, name, rank);
        return;
      }
      case 'requestChannelRanks':
        if (s.channel) requestChannelRanks(s.channel, s);
        return;
      case 'setOptions':
        if (s.channel && s.rank >= 2 && isRecord(data)) s.channel.setOptions(data);
        return;
      case 'setPermissions':
        if (s.channel && s.rank >= 3 && isRecord(data))
          s.channel.setPermissions(data as Record<string, number>);
        return;
      case 'togglePlaylistLock':
        return handleTogglePlaylistLock(s);
      case 'queue':
        return handleQueue(s, data);
      case 'delete':
        return handleDelete(s, data);
      case 'moveMedia':
        return handleMoveMedia(s, data);
      case 'jumpTo':
        return handleJumpTo(s, data);
      case 'playNext':
        return handlePlayNext(s);
      case 'setTemp':
        return handleSetTemp(s, data);
      default:
        // Everything else the real server knows (polls, emotes, …) is out of scope; unknown events are ignored there too.
        return;
    }
  }

  private onJoin(s: Session, data: unknown): void {
    // A second joinChannel on the same socket is ignored (protocol doc, step 3).
    if (s.channel || s.pending) return;
    const bad = shapeError('joinChannel', data, {
      name: { type: 'string' },
      pw: { type: 'string', optional: true },
    });
    if (bad) return void s.send('errorMsg', { msg: bad });
    const { name, pw } = data as { name: string; pw?: string };
    if (!isValidChannelName(name)) {
      s.send('errorMsg', { msg: TEXT.invalidChannel });
      s.send('kick', { reason: TEXT.invalidChannelKick });
      s.gone = true;
      s.disconnect();
      return;
    }
    const ch = this.channel(name);
    const password = ch.password;
    const effectiveRank =
      s.user && !s.user.guest ? Math.max(s.user.globalRank, ch.rankOf(s.user.name) ?? 0) : s.rank;
    // Moderators skip the prompt; everybody else needs the password in joinChannel or via channelPassword.
    if (password !== undefined && pw !== password && effectiveRank < 2) {
      s.pending = ch;
      s.send('needPassword', pw !== undefined && pw !== '');
      return;
    }
    ch.join(s);
  }

  private onChannelPassword(s: Session, data: unknown): void {
    const ch = s.pending;
    if (!ch) return;
    if (ch.password === undefined || data === ch.password) {
      s.send('cancelNeedPassword');
      ch.join(s);
      return;
    }
    s.send('needPassword', true);
  }
}
