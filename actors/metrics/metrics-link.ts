import type { MetricsStore } from './metrics-store.js';

/**
 * Where the running metrics actor's store can be found, for the HTTP actor: like the bus link, a
 * well-known name (Erlang's `whereis(metrics)`), not a second owner. The metrics actor sets its
 * store when it starts and clears it when it stops; between the two, readers see none and answer
 * 503, rather than reading figures a stopped actor no longer updates.
 */
export class MetricsLink {
  private current: MetricsStore | undefined;

  get store(): MetricsStore | undefined {
    return this.current;
  }

  set(store: MetricsStore): void {
    this.current = store;
  }

  /** Forget `store` if it is still the current one (a newer run may already have set its own). */
  clear(store: MetricsStore): void {
    if (this.current === store) this.current = undefined;
  }
}
