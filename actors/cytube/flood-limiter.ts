/**
 * A client-side mirror of CyTube's per-user flood limiter, so the bot never sends what the server
 * would drop. The server allows `burst` messages, then one per `1000 / sustained` ms after the last
 * accepted one; a quiet spell longer than `cooldown` seconds starts a fresh burst. An over-limit
 * message is dropped (the sender gets `cooldown`), never queued — hence waiting here instead.
 *
 * The server measures arrival times, which jitter, so every gap we keep is widened by a margin.
 */
export interface FloodParams {
  burst: number;
  /** Messages per second once the burst is used up. */
  sustained: number;
  /** Quiet seconds that reset the burst. */
  cooldown: number;
}

export interface FloodState {
  count: number;
  /** When the last accepted message was sent (ms); -Infinity before the first. */
  lastAt: number;
}

/** CyTube's limit for everyone's chat (and PMs, which share it). */
export const DEFAULT_CHAT_FLOOD: FloodParams = { burst: 20, sustained: 10, cooldown: 2 };
/** Playlist adds: users, and moderators (rank ≥ 2). */
export const USER_QUEUE_FLOOD: FloodParams = { burst: 3, sustained: 1, cooldown: 3 };
export const MODERATOR_QUEUE_FLOOD: FloodParams = { burst: 10, sustained: 2, cooldown: 5 };

export const freshFlood = (): FloodState => ({ count: 0, lastAt: -Infinity });

/** Extra wait on top of every server-side interval: 10 % of it, at least 10 ms (loopback jitter is 1-10 ms). */
export const marginFor = (intervalMs: number) => Math.max(10, intervalMs * 0.1);

/** Sanitises `channelOpts.chat_antiflood_params`, which channel admins type by hand. */
export function floodParams(raw: unknown, fallback: FloodParams): FloodParams {
  if (typeof raw !== 'object' || raw === null) return fallback;
  const r = raw as Record<string, unknown>;
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
  const burst = Math.max(1, Math.floor(num(r.burst, fallback.burst)));
  const sustained = num(r.sustained, fallback.sustained);
  return { burst, sustained, cooldown: num(r.cooldown, burst / sustained) };
}

/** The earliest time (ms) a message may be sent under these limits. */
export function nextAllowedAt(state: FloodState, params: FloodParams, now: number): number {
  const resetAfter = params.cooldown * 1000;
  const quietSince = now - state.lastAt;
  if (quietSince > resetAfter + marginFor(resetAfter)) return now;
  if (state.count < params.burst) return now;
  const interval = 1000 / params.sustained;
  return Math.max(now, state.lastAt + interval + marginFor(interval));
}

/**
 * Whether a message sent at `now` would be held to the sustained rate (the burst is spent and no
 * quiet spell has given a fresh one). That is where the server's view of "the last message" matters.
 */
export function burstSpent(state: FloodState, params: FloodParams, now: number): boolean {
  const resetAfter = params.cooldown * 1000;
  return state.count >= params.burst && now - state.lastAt <= resetAfter + marginFor(resetAfter);
}

/** The state after a message was sent at `now`. */
export function recordSend(state: FloodState, params: FloodParams, now: number): FloodState {
  const resetAfter = params.cooldown * 1000;
  // Only a quiet spell the server surely saw as one resets the count (same margin as above).
  const count = now - state.lastAt > resetAfter + marginFor(resetAfter) ? 0 : state.count;
  return { count: count + 1, lastAt: now };
}

/**
 * The server said `cooldown`: it dropped something, so our mirror was off (another client with the
 * same name, a limiter we did not know about). Assume the burst is spent.
 */
export const exhausted = (params: FloodParams, now: number): FloodState => ({
  count: params.burst,
  lastAt: now,
});
