/**
 * A scripted socket.io client for tests: plays another user (alice) or a raw bot against the fake
 * (or any CyTube). It records every event it receives, in the transcripts' shape.
 */
import { io, type Socket } from 'socket.io-client';

export interface ReceivedEvent {
  event: string;
  data: unknown;
  /** Date.now() when the handler ran. */
  t: number;
}

export interface FakeClientOptions {
  /** Login name; omitted → stays anonymous. */
  name?: string;
  /** With a password the login is a registered one, otherwise a guest one. */
  password?: string;
  channelPassword?: string;
  /** Own loopback source address (127.x.y.z), to stay clear of per-IP limits. */
  localAddress?: string;
  /** Default true: emit joinChannel (and login when `name` is set) and wait for the answers. */
  join?: boolean;
  /** Default 5000 ms, for connect and for the join/login answers. */
  timeoutMs?: number;
}

export class FakeClient {
  readonly events: ReceivedEvent[] = [];
  private cursor = 0;
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, ...args: unknown[]) =>
      this.push(event, args.length === 0 ? null : args.length === 1 ? args[0] : args),
    );
    socket.on('connect', () => {
      const engine = socket.io.opts as { localAddress?: string };
      this.push('@connect', { sid: socket.id, localAddress: engine.localAddress ?? null });
    });
    // A close we asked for is not something the server did to us, so it is not recorded as received.
    socket.on('disconnect', (reason) => {
      if (reason !== 'io client disconnect') this.push('@disconnect', reason);
    });
    socket.on('connect_error', (err) => this.push('@connect_error', { message: err.message }));
  }

  private push(event: string, data: unknown): void {
    this.events.push({ event, data, t: Date.now() });
    for (const wake of [...this.waiters]) wake();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Emits with no argument when `data` is undefined or null (like `togglePlaylistLock`). */
  emit(event: string, data?: unknown): void {
    if (data === undefined || data === null) this.socket.emit(event);
    else this.socket.emit(event, data);
  }

  say(msg: string, meta: Record<string, unknown> = {}): void {
    this.emit('chatMsg', { msg, meta });
  }

  pm(to: string, msg: string, meta: Record<string, unknown> = {}): void {
    this.emit('pm', { to, msg, meta });
  }

  /** Later waitFor calls only look at events received after this point. */
  mark(): void {
    this.cursor = this.events.length;
  }

  /** All payloads of one event received so far (ignores the mark). */
  received<T = unknown>(event: string): T[] {
    return this.events.filter((e) => e.event === event).map((e) => e.data as T);
  }

  /**
   * Resolves with the first matching event since the last mark() (already received ones count),
   * and moves the mark past it, so consecutive waits see consecutive events.
   */
  waitFor<T = unknown>(event: string, predicate?: (data: T) => boolean, timeoutMs = 3000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        for (let i = this.cursor; i < this.events.length; i++) {
          const e = this.events[i];
          if (e && e.event === event && (!predicate || predicate(e.data as T))) {
            this.cursor = i + 1;
            done();
            resolve(e.data as T);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        const seen = this.events.slice(this.cursor).map((e) => e.event);
        reject(
          new Error(`fakeClient: no "${event}" within ${timeoutMs} ms; since mark: [${seen.join(', ')}]`),
        );
      }, timeoutMs);
      const wake = () => void check();
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      this.waiters.add(wake);
      check();
    });
  }

  /** Resolves once `done()` holds, re-checked on every received event. */
  until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`fakeClient: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(wake);
      wake();
    });
  }

  /** Client-side close; resolves once the socket is down. */
  async close(): Promise<void> {
    if (!this.socket.connected) {
      this.socket.close();
      return;
    }
    await new Promise<void>((resolve) => {
      this.socket.once('disconnect', () => resolve());
      this.socket.disconnect();
    });
  }
}

export async function fakeClient(
  baseUrl: string,
  channel: string,
  o: FakeClientOptions = {},
): Promise<FakeClient> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const socket = io(baseUrl, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  });
  const client = new FakeClient(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fakeClient: no connection to ${baseUrl}`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
  });
  if (o.join === false) return client;
  client.emit(
    'joinChannel',
    o.channelPassword === undefined ? { name: channel } : { name: channel, pw: o.channelPassword },
  );
  if (o.name !== undefined)
    client.emit('login', o.password ? { name: o.name, pw: o.password } : { name: o.name });
  const name = o.name?.toLowerCase();
  const has = (event: string, pred: (d: Record<string, unknown>) => boolean = () => true) =>
    client.events.some((e) => e.event === event && pred((e.data ?? {}) as Record<string, unknown>));
  try {
    await client.until(
      () =>
        (has('userlist') || has('needPassword')) &&
        (name === undefined || has('login')) &&
        // Registered users learn their channel rank right after login; wait for it so tests start settled.
        (!o.password ||
          name === undefined ||
          has('login', (d) => d.success === false) ||
          has('setUserRank', (d) => String(d.name).toLowerCase() === name)),
      timeoutMs,
      'the join and login answers',
    );
    const login = client.received<{ success: boolean; error?: string }>('login')[0];
    if (login && !login.success)
      throw new Error(`fakeClient: login as ${o.name} failed: ${login.error ?? '?'}`);
  } catch (err) {
    await client.close();
    throw err;
  }
  client.mark();
  return client;
}
