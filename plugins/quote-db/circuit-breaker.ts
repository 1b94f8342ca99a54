/**
 * Stops asking a storage that keeps failing (PRD §16.3): after `threshold` failures in a row the
 * circuit opens and calls fail at once for `openMs`; then one call is let through (half-open), and
 * its outcome closes or re-opens the circuit. Chat then hears "unavailable" at once instead of
 * waiting out retries on every command while storage is down.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trial = false;

  constructor(
    private readonly threshold = 3,
    private readonly openMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.openMs ? 'half-open' : 'open';
  }

  /** Whether a call may go to storage now; in half-open, only one at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trial) return false;
    this.trial = true;
    return true;
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trial = false;
  }

  failed(): void {
    this.trial = false;
    this.failures++;
    if (this.openedAt !== undefined || this.failures >= this.threshold) this.openedAt = this.now();
  }
}
