import type { NatsConnection } from '../../contract/nats.js';
import { fromCallback } from 'xstate';
import type { BusLink } from './bus-link.js';
import { connectWithRetry, redactUrl, type NatsEndpoint } from './connect.js';
import type { Logger } from '../../contract/log.js';
import { errorMessage } from '../../contract/result.js';

export interface ConnectionInput {
  endpoint: NatsEndpoint;
  link: BusLink;
  name: string;
  connectDeadlineMs: number;
  logger: Logger;
}

export type ConnectionEvent =
  | { type: 'conn.connected'; server: string }
  | { type: 'conn.disconnected' }
  | { type: 'conn.reconnected'; server: string }
  | { type: 'conn.closed'; error?: string }
  | { type: 'conn.failed'; error: string };

export type ConnectionCommand = { type: 'conn.drain' } | { type: 'conn.close' };

/**
 * Owns the NATS connection of the bus actor: connects (retrying until the deadline), publishes it on
 * the link, reports disconnects/reconnects, drains or closes on request, and closes it when stopped.
 */
export const connectionLogic = fromCallback<ConnectionCommand, ConnectionInput>(
  ({ input, sendBack, receive }) => {
    const abort = new AbortController();
    let nc: NatsConnection | undefined;

    connectWithRetry(input.endpoint, {
      name: input.name,
      deadlineMs: input.connectDeadlineMs,
      signal: abort.signal,
    }).then(
      (conn) => {
        if (abort.signal.aborted) {
          void conn.close();
          return;
        }
        nc = conn;
        input.link.set(conn);
        sendBack({ type: 'conn.connected', server: redactUrl(conn.getServer()) });
        void watchStatus(conn, (event) => !abort.signal.aborted && sendBack(event));
        void conn.closed().then((error) => {
          input.link.clear(conn);
          if (!abort.signal.aborted)
            sendBack({ type: 'conn.closed', error: error ? errorMessage(error) : undefined });
        });
      },
      (error: unknown) => {
        if (!abort.signal.aborted) sendBack({ type: 'conn.failed', error: errorMessage(error) });
      },
    );

    receive((command) => {
      if (!nc) return;
      const conn = nc;
      input.link.clear(conn);
      if (command.type === 'conn.close') {
        void conn.close();
        return;
      }
      // A drain needs the server to answer; if it cannot (the server died meanwhile), nats.js
      // leaves the connection open and reconnecting, and the bus would wait out its shutdown
      // timeout for a `closed` that never comes (issue 15: 5 s without a bus after a nats-server kill).
      conn.drain().catch((error: unknown) => {
        input.logger.warn(`drain failed (${errorMessage(error)}); closing instead`);
        void conn.close();
      });
    });

    return () => {
      abort.abort();
      if (nc) {
        input.link.clear(nc);
        if (!nc.isClosed()) void nc.close();
      }
    };
  },
);

async function watchStatus(conn: NatsConnection, emit: (event: ConnectionEvent) => void): Promise<void> {
  for await (const status of conn.status()) {
    if (status.type === 'disconnect') emit({ type: 'conn.disconnected' });
    else if (status.type === 'reconnect')
      emit({ type: 'conn.reconnected', server: redactUrl(status.server) });
  }
}
