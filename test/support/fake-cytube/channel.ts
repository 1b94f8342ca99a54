/**
 * One channel: its state (ranks, options, permissions, history, playlist) and membership, the join
 * burst in the recorded order, and broadcasts. Chat, moderation and playlist commands live in their
 * own modules and call back into this one.
 */
import type { Accounts, AliasBook } from './accounts.js';
import {
  defaultOptions,
  EMPTY_HASH,
  FALLBACK_PERMISSION,
  REGISTERED_PERMISSIONS,
  SERVER_WHISPER_META,
  UNREGISTERED_PERMISSIONS,
} from './defaults.js';
import type { MediaRegistry } from './media.js';
import { Playlist } from './playlist.js';
import type { Session } from './session.js';
import { userEntry, userMeta } from './user-view.js';
import { kick } from './moderation.js';
import { TEXT } from './defaults.js';

export interface ChatLine {
  username: string;
  msg: string;
  meta: Record<string, unknown>;
  time: number;
}

/** What a channel needs from the server around it. */
export interface ServerContext {
  readonly accounts: Accounts;
  readonly aliases: AliasBook;
  readonly media: MediaRegistry;
  readonly maxChatLength: number;
  readonly rawFileSeconds: number;
  readonly usercountThrottleMs: number;
  /** How long after its login a registered user hears its channel rank (~10 ms on the real server). */
  readonly rankSettleMs: number;
  channelEmptied(ch: Channel): void;
}

const HISTORY_SIZE = 15;

export interface ChannelSetup {
  ranks?: Record<string, number>;
  password?: string;
  options?: Record<string, unknown>;
  permissions?: Record<string, number>;
  /**
   * Chat lines already in the history (a registered channel's history survives restarts, lines of
   * earlier test runs included): every join replays them with their old `time`.
   */
  history?: ChatLine[];
  /** Names banned from the channel (case-insensitive). */
  bans?: string[];
}

export class Channel {
  readonly ranks = new Map<string, number>();
  options: Record<string, unknown>;
  permissions: Record<string, number>;
  readonly history: ChatLine[] = [];
  /** Lower-case names banned from the channel. */
  readonly bans = new Set<string>();
  /** Everything ordinary users were shown, unbounded, for FakeChannel.chat. */
  readonly chat: ChatLine[] = [];
  readonly playlist = new Playlist();
  locked: boolean;
  /** In join order, which is userlist order. */
  members: Session[] = [];
  private usercountSentAt = 0;
  private usercountTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly registered: boolean,
    readonly ctx: ServerContext,
    setup: ChannelSetup = {},
  ) {
    this.options = { ...defaultOptions(name), ...(setup.options ?? {}) };
    if (setup.password) this.options.password = setup.password;
    this.permissions = {
      ...(registered ? REGISTERED_PERMISSIONS : UNREGISTERED_PERMISSIONS),
      ...(setup.permissions ?? {}),
    };
    // Registered channels start locked (02: setPlaylistLocked true); unregistered ones open (01).
    this.locked = registered;
    for (const [n, r] of Object.entries(setup.ranks ?? {})) this.ranks.set(n.toLowerCase(), r);
    for (const line of setup.history ?? []) this.recordChat(line);
    for (const name of setup.bans ?? []) this.bans.add(name.toLowerCase());
  }

  isBanned(name: string): boolean {
    return this.bans.has(name.toLowerCase());
  }

  /**
   * A ban while present: the user hears only "You're banned!" (not the ban's reason) and is gone;
   * moderators see "<mod> namebanned <name>" (protocol doc, observed on 3.86.0).
   */
  ban(name: string, by: string): void {
    this.bans.add(name.toLowerCase());
    const target = this.findUser(name);
    if (target) kick(this, target, TEXT.bannedNow);
    this.whisper(`${by} namebanned ${name}`);
  }

  /**
   * Rejoining while name-banned: the login and the whole join burst go through, then ~11 ms later
   * the kick (protocol doc, observed on 3.86.0).
   */
  private kickIfBanned(s: Session): void {
    if (!s.user || !this.isBanned(s.user.name)) return;
    setTimeout(() => {
      if (s.channel === this && !s.gone) kick(this, s, TEXT.bannedOnJoin);
    }, 11).unref();
  }

  perm(key: string): number {
    return this.permissions[key] ?? FALLBACK_PERMISSION;
  }

  can(s: Session, key: string): boolean {
    return s.rank >= this.perm(key);
  }

  get password(): string | undefined {
    const pw = this.options.password;
    return typeof pw === 'string' && pw !== '' ? pw : undefined;
  }

  rankOf(name: string): number | undefined {
    return this.ranks.get(name.toLowerCase());
  }

  loggedIn(): Session[] {
    return this.members.filter((m) => m.user);
  }

  findUser(name: string): Session | undefined {
    const key = name.toLowerCase();
    return this.members.find((m) => m.user?.name.toLowerCase() === key);
  }

  isMod(s: Session): boolean {
    return s.rank >= 2;
  }

  aliasesOf(s: Session): string[] {
    return this.ctx.aliases.get(s.ip);
  }

  entryFor(subject: Session, viewer: Session): Record<string, unknown> {
    return userEntry(subject, this.isMod(viewer), this.aliasesOf(subject));
  }

  userlistFor(viewer: Session): Array<Record<string, unknown>> {
    return this.loggedIn().map((m) => this.entryFor(m, viewer));
  }

  broadcast(event: string, data: unknown): void {
    this.broadcastEach(event, () => data);
  }

  /** Sends per viewer, in join order; `payload` may tailor it or (returning undefined) withhold it. */
  broadcastEach(event: string, payload: (viewer: Session) => unknown): void {
    for (const m of [...this.members]) {
      const data = payload(m);
      if (data !== undefined) m.send(event, data);
    }
  }

  /** `[server]` lines go to moderators only and are not kept in the history (13). */
  whisper(text: string, except?: Session): void {
    const line = { username: '[server]', msg: text, meta: { ...SERVER_WHISPER_META }, time: Date.now() };
    for (const m of [...this.members]) if (m !== except && this.isMod(m)) m.send('chatMsg', line);
  }

  recordChat(line: ChatLine): void {
    this.history.push(line);
    if (this.history.length > HISTORY_SIZE) this.history.shift();
    this.chat.push(line);
  }

  sendPlaylist(s: Session): void {
    s.send('setPlaylistMeta', this.playlist.meta());
    s.send('playlist', this.playlist.items);
  }

  /** The join burst, in the order of 01/02; the user itself is in `userlist` when already logged in (14). */
  join(s: Session): void {
    s.pending = undefined;
    s.channel = this;
    this.members.push(s);
    s.send('setPermissions', this.permissions);
    s.send('setPlaylistLocked', this.locked);
    s.send('emoteList', []);
    for (const line of this.history) s.send('chatMsg', line);
    s.send('drinkCount', 0);
    s.send('channelCSSJS', { css: '', cssHash: EMPTY_HASH, js: '', jsHash: EMPTY_HASH });
    s.send('setMotd', '');
    s.send('channelOpts', this.options);
    this.sendPlaylist(s);
    const current = this.currentItem();
    if (current) {
      s.send('setCurrent', current.uid);
      s.send('changeMedia', { ...current.media, currentTime: 0, paused: false });
    }
    s.send('userlist', this.userlistFor(s));
    this.usercount();
    if (!this.registered) s.send('channelNotRegistered');
    if (!s.user) return;
    this.announce(s, false);
    if (!s.user.guest && s.rankChannel !== this) this.applyRank(s, true);
    this.kickIfBanned(s);
  }

  currentItem() {
    return this.playlist.current === undefined ? undefined : this.playlist.get(this.playlist.current);
  }

  /** addUser to the others (and to itself when `includeSelf`) plus the join whisper to moderators. */
  announce(s: Session, includeSelf: boolean): void {
    this.broadcastEach('addUser', (v) => (v === s && !includeSelf ? undefined : this.entryFor(s, v)));
    const name = s.user?.name ?? '';
    this.whisper(`${name} joined (aliases: ${this.aliasesOf(s).join(', ')})`, s);
  }

  /** A member finished logging in: addUser to all (itself included), then the channel rank (02). */
  onLogin(s: Session): void {
    this.announce(s, true);
    if (s.user && !s.user.guest) this.applyRankSoon(s);
    this.usercount();
    this.kickIfBanned(s);
  }

  /**
   * The channel rank follows the login's `rank 1` a little later (~10 ms, observed on 3.86.0): a
   * client that takes the first rank for the settled one is wrong for that long.
   */
  private applyRankSoon(s: Session): void {
    if (this.ctx.rankSettleMs <= 0) return this.applyRank(s, true);
    s.loginInProgress = true;
    setTimeout(() => {
      s.loginInProgress = false;
      if (s.channel === this && !s.gone) this.applyRank(s, true);
    }, this.ctx.rankSettleMs).unref();
  }

  /**
   * Tells a registered user its channel rank. Inside the channel it also gets the playlist again
   * (and a moderator-view userlist when ≥ 2); at the password prompt only `rank` and the broadcast (14).
   */
  applyRank(s: Session, inChannel: boolean): void {
    if (!s.user) return;
    const rank = Math.max(s.user.globalRank, this.rankOf(s.user.name) ?? 0);
    s.rank = rank;
    s.rankChannel = this;
    s.send('rank', rank);
    if (inChannel) {
      if (rank >= 2) s.send('userlist', this.userlistFor(s));
      this.sendPlaylist(s);
    }
    this.broadcast('setUserRank', { name: s.user.name, rank });
  }

  leave(s: Session): void {
    const index = this.members.indexOf(s);
    if (index < 0) return;
    this.members.splice(index, 1);
    s.channel = undefined;
    if (s.user) this.broadcast('userLeave', { name: s.user.name });
    this.usercount();
    if (this.members.length === 0) this.ctx.channelEmptied(this);
  }

  /** Sends the user's meta to everyone (or, for a shadow mute, only to moderators). */
  sendUserMeta(s: Session, modsOnly = false): void {
    const name = s.user?.name ?? '';
    this.broadcastEach('setUserMeta', (v) =>
      modsOnly && !this.isMod(v) ? undefined : { name, meta: userMeta(s, this.isMod(v), this.aliasesOf(s)) },
    );
  }

  setAfk(s: Session, afk: boolean): void {
    if (s.afk === afk) return;
    s.afk = afk;
    if (afk) s.send('clearVoteskipVote');
    this.sendUserMeta(s);
    this.broadcast('setAFK', { name: s.user?.name ?? '', afk });
  }

  setOptions(partial: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(partial)) {
      if (!(k in this.options)) continue;
      // An empty password means "no password", which the channel reports as false (14).
      this.options[k] = k === 'password' && (v === '' || v === null || v === false) ? false : v;
    }
    this.broadcast('channelOpts', this.options);
  }

  setPermissions(partial: Record<string, number>): void {
    for (const [k, v] of Object.entries(partial)) if (typeof v === 'number') this.permissions[k] = v;
    this.broadcast('setPermissions', this.permissions);
  }

  setLocked(locked: boolean): void {
    this.locked = locked;
    this.broadcast('setPlaylistLocked', locked);
  }

  /** One leading and one trailing broadcast per window (README observation 7). */
  usercount(): void {
    const now = Date.now();
    const wait = this.usercountSentAt + this.ctx.usercountThrottleMs - now;
    if (wait <= 0) {
      this.usercountSentAt = now;
      this.broadcast('usercount', this.members.length);
      return;
    }
    if (this.usercountTimer) return;
    this.usercountTimer = setTimeout(() => {
      this.usercountTimer = undefined;
      this.usercountSentAt = Date.now();
      this.broadcast('usercount', this.members.length);
    }, wait);
    // A pending trailing count must not keep a test process alive.
    this.usercountTimer.unref();
  }

  /** Forgets sockets (server stop) but keeps the registered state. */
  reset(): void {
    if (this.usercountTimer) clearTimeout(this.usercountTimer);
    this.usercountTimer = undefined;
    this.usercountSentAt = 0;
    this.members = [];
  }
}
