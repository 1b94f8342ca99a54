import type { NatsConnection } from '../../contract/nats.js';

type Listener = (connection: NatsConnection | undefined) => void;

/**
 * Where the bus actor's current connection can be found. The bus actor owns the connection (opens,
 * drains, closes it); the link only tells the actors that use it when it appears, changes or goes
 * away, so their bridges resubscribe after the bus is restarted. Like Erlang's `whereis(bus)` plus a
 * monitor, for one well-known name.
 */
export class BusLink {
  private current: NatsConnection | undefined;
  private readonly listeners = new Set<Listener>();

  get connection(): NatsConnection | undefined {
    return this.current && !this.current.isClosed() ? this.current : undefined;
  }

  set(connection: NatsConnection): void {
    this.current = connection;
    for (const listener of [...this.listeners]) listener(connection);
  }

  /** Forget `connection` if it is still the current one. */
  clear(connection: NatsConnection): void {
    if (this.current !== connection) return;
    this.current = undefined;
    for (const listener of [...this.listeners]) listener(undefined);
  }

  /** Calls `listener` now with the current connection and on every change; returns the unsubscribe. */
  watch(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.connection);
    return () => this.listeners.delete(listener);
  }

  get watchers(): number {
    return this.listeners.size;
  }
}
