/** Akka-style exponential backoff with jitter, applied per child before it is restarted. */
export interface BackoffOptions {
  /** Delay before the first restart. */
  minMs: number;
  /** Upper bound for the exponential part. */
  maxMs: number;
  /** Jitter: the delay is multiplied by `1 + random() * randomFactor`. */
  randomFactor: number;
  /**
   * A child that stays up this long counts as healthy again: its next crash starts from `minMs`.
   * Defaults to `minMs` (Akka's default).
   */
  resetAfterMs?: number;
}

/** Delay before restart number `attempt` (0-based), following Akka's `BackoffSupervisor` formula. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const { minMs, maxMs, randomFactor } = options;
  const base = attempt >= 30 ? maxMs : Math.min(maxMs, minMs * 2 ** attempt);
  return Math.round(base * (1 + random() * randomFactor));
}

export function backoffResetAfter(options: BackoffOptions): number {
  return options.resetAfterMs ?? options.minMs;
}
