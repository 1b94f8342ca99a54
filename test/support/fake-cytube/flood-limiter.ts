/**
 * Token bucket with a quiet-time reset. CyTube drops (never queues) what is over the limit, so the
 * limiter only answers yes/no; the caller tells the client `cooldown` and forgets the message.
 */

export interface FloodParams {
  /** Messages allowed back to back from a full bucket. */
  burst: number;
  /** Refill rate, messages per second. */
  sustained: number;
  /** Seconds of quiet after which the bucket is full again regardless of refill. */
  cooldown: number;
}

export interface FloodState {
  tokens: number;
  last: number | undefined;
}

/** The per-user default every chat line and PM passes (06: 40 back to back → 20 delivered). */
export const DEFAULT_CHAT_FLOOD: FloodParams = { burst: 20, sustained: 10, cooldown: 2 };
/** Playlist adds for rank < 2. */
export const USER_QUEUE_FLOOD: FloodParams = { burst: 3, sustained: 1, cooldown: 3 };
/** Playlist adds for moderators. */
export const MOD_QUEUE_FLOOD: FloodParams = { burst: 10, sustained: 2, cooldown: 5 };

export function initialFloodState(p: FloodParams): FloodState {
  return { tokens: p.burst, last: undefined };
}

/** Pure step: a new state and whether this message may pass. Dropped attempts still count as activity. */
export function floodStep(
  p: FloodParams,
  s: FloodState,
  now: number,
): { state: FloodState; allowed: boolean } {
  let tokens = s.tokens;
  if (s.last !== undefined) {
    const elapsed = Math.max(0, now - s.last) / 1000;
    tokens = elapsed >= p.cooldown ? p.burst : Math.min(p.burst, tokens + elapsed * p.sustained);
  }
  if (tokens >= 1) return { state: { tokens: tokens - 1, last: now }, allowed: true };
  return { state: { tokens, last: now }, allowed: false };
}

/** The `cooldown` event value is 1000/sustained ms, not the remaining wait (06: 100, 07: 1000). */
export function cooldownMs(p: FloodParams): number {
  return Math.round(1000 / p.sustained);
}

/** Mutable wrapper for sessions; recreated when the channel changes its antiflood params. */
export class FloodLimiter {
  private state: FloodState;
  constructor(readonly params: FloodParams) {
    this.state = initialFloodState(params);
  }
  tryAcquire(now = Date.now()): boolean {
    const r = floodStep(this.params, this.state, now);
    this.state = r.state;
    return r.allowed;
  }
}
