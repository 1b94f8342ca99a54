import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fromCallback, type AnyActorRef } from 'xstate';
import type { Logger } from '../../contract/log.js';
import { errorMessage } from '../../contract/result.js';
import type { DashboardLink } from '../dashboard/dashboard-link.js';
import { DASHBOARD_WS_PATH } from '../dashboard/hub.js';
import { dashboardFile } from '../dashboard/static-files.js';
import type { MetricsLink } from '../metrics/metrics-link.js';
import { answer } from './routes.js';

// Required, not imported: an ES import of `node:http` reads every export, and on Node 22 and 24 its
// `WebSocket` getter loads undici, ~60 ms of CPU in every start of Rosey whether HTTP is on or not
// (issue 16; test/app/startup-modules.test.ts).
const { createServer } = createRequire(import.meta.url)('node:http') as typeof Http;

export interface HttpServerInput {
  host: string;
  port: number;
  token?: string;
  metrics: MetricsLink;
  rootSystemId: string;
  logger: Logger;
  /** The dashboard (`http.dashboard`): its page and files, and its WebSocket's upgrades. */
  dashboard?: DashboardLink;
}

export type HttpServerEvent =
  { type: 'http.listening'; host: string; port: number } | { type: 'http.failed'; error: string };

/**
 * The HTTP server, owned by the callback: it listens when the actor starts and is closed, open
 * connections included, when it stops, so a restarted HTTP actor finds its port free. `node:http`
 * rather than a framework: six GET routes, no body parsing, no middleware (docs/metrics.md).
 */
export const httpServerActor = fromCallback<{ type: 'never' }, HttpServerInput>(
  ({ input, sendBack, system }) => {
    const startedAt = Date.now();
    const deps = {
      metrics: input.metrics,
      root: () => system.get(input.rootSystemId) as AnyActorRef | undefined,
      token: input.token,
      startedAt,
    };
    const server = createServer((req, res) => {
      // The page and its files are the package's own, not Rosey's data: no token (its socket has one).
      const file =
        input.dashboard &&
        dashboardFile(req.method ?? 'GET', new URL(req.url ?? '/', 'http://rosey').pathname);
      if (file) {
        res.writeHead(file.status, { 'Content-Type': file.type, ...file.headers });
        res.end(req.method === 'HEAD' ? undefined : file.body);
        return;
      }
      answer(deps, req.method ?? 'GET', req.url ?? '/', req.headers.authorization).then(
        (a) => {
          res.writeHead(a.status, { 'Content-Type': a.type, ...a.headers });
          res.end(a.body);
        },
        (error: unknown) => {
          input.logger.warn(`HTTP ${req.method} ${req.url} failed: ${errorMessage(error)}`);
          res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ error: { code: 'INTERNAL', message: errorMessage(error) } }));
        },
      );
    });
    server.on('upgrade', (req, socket, head) => {
      const ours = input.dashboard && new URL(req.url ?? '/', 'http://rosey').pathname === DASHBOARD_WS_PATH;
      const hub = input.dashboard?.hub;
      if (ours && hub) {
        hub.upgrade(req, socket, head);
        return;
      }
      // The dashboard's path while it restarts: try again shortly; any other path has no socket.
      socket.end(
        ours
          ? 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
          : 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
    });
    // Scrapers keep connections open; none of them may keep the process (or the port) alive.
    server.keepAliveTimeout = 5000;
    server.on('error', (error: NodeJS.ErrnoException) => {
      sendBack({
        type: 'http.failed',
        error:
          error.code === 'EADDRINUSE'
            ? `port ${input.port} on ${input.host} is already in use: choose another with http.port`
            : error.code === 'EADDRNOTAVAIL'
              ? `${input.host} is not an address of this machine: check http.host`
              : `cannot listen on ${input.host}:${input.port}: ${errorMessage(error)}`,
      });
    });
    server.listen(input.port, input.host, () => {
      const address = server.address() as AddressInfo;
      sendBack({ type: 'http.listening', host: input.host, port: address.port });
    });
    return () => {
      server.close();
      server.closeAllConnections();
    };
  },
);
