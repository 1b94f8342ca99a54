/**
 * CyTube's per-user flood limit as the protocol doc states it: a burst of `burst` messages, then
 * one per `1000 / sustained` ms after the last one that passed; `cooldown` seconds of quiet start
 * a fresh burst. Not a token bucket: messages spread over the burst do not earn more room at its
 * end, which is exactly where a client's pacing is tested (issue 21). CyTube drops (never queues)
 * what is over the limit, so the limiter only answers yes/no; the caller tells the client
 * `cooldown` and forgets the message.
 */

export interface FloodParams {
  /** Messages allowed before the sustained rate applies. */
  burst: number;
  /** Messages per second once the burst is spent. */
  sustained: number;
  /** Seconds of quiet after which the burst is available again. */
  cooldown: number;
}

export interface FloodState {
  /** Messages passed since the last fresh burst. */
  count: number;
  /** When the last message passed. */
  passed: number | undefined;
  /** When the last attempt came, passed or not: a sender still trying is not quiet. */
  tried: number | undefined;
}

/** The per-user default every chat line and PM passes (06: 40 back to back → 20 delivered). */
export const DEFAULT_CHAT_FLOOD: FloodParams = { burst: 20, sustained: 10, cooldown: 2 };
/** Playlist adds for rank < 2. */
export const USER_QUEUE_FLOOD: FloodParams = { burst: 3, sustained: 1, cooldown: 3 };
/** Playlist adds for moderators. */
export const MOD_QUEUE_FLOOD: FloodParams = { burst: 10, sustained: 2, cooldown: 5 };

export function initialFloodState(): FloodState {
  return { count: 0, passed: undefined, tried: undefined };
}

/** Pure step: a new state and whether this message may pass. Dropped attempts still count as activity. */
export function floodStep(
  p: FloodParams,
  s: FloodState,
  now: number,
): { state: FloodState; allowed: boolean } {
  const fresh = s.tried === undefined || now - s.tried >= p.cooldown * 1000;
  const count = fresh ? 0 : s.count;
  const allowed = count < p.burst || s.passed === undefined || now - s.passed >= 1000 / p.sustained;
  if (allowed) return { state: { count: count + 1, passed: now, tried: now }, allowed };
  return { state: { count, passed: s.passed, tried: now }, allowed };
}

/** The `cooldown` event value is 1000/sustained ms, not the remaining wait (06: 100, 07: 1000). */
export function cooldownMs(p: FloodParams): number {
  return Math.round(1000 / p.sustained);
}

/** Mutable wrapper for sessions; recreated when the channel changes its antiflood params. */
export class FloodLimiter {
  private state: FloodState;
  constructor(readonly params: FloodParams) {
    this.state = initialFloodState();
  }
  tryAcquire(now = Date.now()): boolean {
    const r = floodStep(this.params, this.state, now);
    this.state = r.state;
    return r.allowed;
  }
}
