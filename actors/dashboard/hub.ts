import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type * as Ws from 'ws';
import type { WebSocket, WebSocketServer } from 'ws';
import {
  DASHBOARD_PROTOCOL,
  DASHBOARD_TOKEN_PROTOCOL_PREFIX,
  dashboardRequestSchema,
  type DashboardPush,
  type DashboardRequest,
} from '../../contract/messages/dashboard.js';
import type { Logger } from '../../contract/log.js';
import { validate } from '../../contract/validate.js';

/** The path the page's WebSocket upgrades on. */
export const DASHBOARD_WS_PATH = '/dashboard/ws';

/**
 * ws (~50 ms and ~10 MB when loaded) once a dashboard exists, not at every start: the HTTP actor
 * imports this module for the path above, and HTTP is off by default (issue 16).
 */
const loadWs = () => createRequire(import.meta.url)('ws') as typeof Ws;

/** A page sending faster than it reads: past this much unsent, it is closed rather than buffered. */
const MAX_BUFFERED = 4 * 1024 * 1024;

export interface HubOptions {
  /** `http.token`: a socket must carry it (in its subprotocols) when set. */
  token?: string;
  /** `http.host` is a loopback address: the page's Host must be one too (no DNS rebinding). */
  localOnly: boolean;
  logger: Logger;
  /** The first message of each new socket. */
  hello: () => DashboardPush;
  /** A page's checked request; `reply` answers that page only. */
  onRequest: (request: DashboardRequest, reply: (push: DashboardPush) => void) => void;
  /** Called after each socket opens or closes, with how many are open. */
  onClients: (count: number) => void;
}

/** Both texts hashed first, so the comparison takes the same time whatever their lengths. */
function sameSecret(given: string, wanted: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(wanted));
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

/** The subprotocols a browser offered (`Sec-WebSocket-Protocol`). */
const offered = (req: IncomingMessage) =>
  (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/**
 * The pages connected to the dashboard: a WebSocket server without a port of its own (the HTTP
 * actor hands it the upgrades on `/dashboard/ws`), which refuses a socket from another origin, to
 * another host name when Rosey listens on loopback only, or without the token; pushes one text to
 * every page; checks each page's requests. `close` ends every socket.
 */
export class DashboardHub {
  private readonly wss: WebSocketServer;
  private closed = false;

  constructor(private readonly options: HubOptions) {
    this.wss = new (loadWs().WebSocketServer)({
      noServer: true,
      maxPayload: 16 * 1024,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(DASHBOARD_PROTOCOL) ? DASHBOARD_PROTOCOL : false),
    });
  }

  get clients(): number {
    return this.wss.clients.size;
  }

  /** Why this upgrade is refused (status and reason), or undefined to accept it. */
  refusal(req: IncomingMessage): { status: number; reason: string } | undefined {
    const host = req.headers.host ?? '';
    if (this.options.localOnly && !LOOPBACK_HOST.test(host))
      return { status: 403, reason: `Host ${host} is not this machine's loopback address` };
    const origin = req.headers.origin;
    let originHost: string | undefined;
    try {
      const url = origin ? new URL(origin) : undefined;
      originHost = url && (url.protocol === 'http:' || url.protocol === 'https:') ? url.host : undefined;
    } catch {
      originHost = undefined;
    }
    // A page of another site may open a WebSocket to any address: only our own page may talk to us.
    if (originHost === undefined || originHost !== host)
      return { status: 403, reason: `Origin ${origin ?? '(none)'} is not this dashboard's` };
    if (!offered(req).includes(DASHBOARD_PROTOCOL))
      return { status: 400, reason: `the subprotocol ${DASHBOARD_PROTOCOL} is required` };
    if (this.options.token !== undefined) {
      const encoded = offered(req).find((p) => p.startsWith(DASHBOARD_TOKEN_PROTOCOL_PREFIX));
      const given = encoded
        ? Buffer.from(encoded.slice(DASHBOARD_TOKEN_PROTOCOL_PREFIX.length), 'base64url').toString('utf8')
        : '';
      if (!sameSecret(given, this.options.token))
        return { status: 401, reason: 'a valid http.token is required' };
    }
    return undefined;
  }

  /** An upgrade request on the dashboard's path: accepted as a page, or answered with why not. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refused = this.closed ? { status: 503, reason: 'the dashboard is stopping' } : this.refusal(req);
    if (refused) {
      const body = JSON.stringify({
        error: { code: refused.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message: refused.reason },
      });
      socket.end(
        `HTTP/1.1 ${refused.status} ${refused.status === 401 ? 'Unauthorized' : refused.status === 400 ? 'Bad Request' : refused.status === 503 ? 'Service Unavailable' : 'Forbidden'}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      this.options.logger.info(`dashboard: refused a WebSocket: ${refused.reason}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    if (this.closed) {
      ws.terminate();
      return;
    }
    const send = (push: DashboardPush) => this.sendText(ws, JSON.stringify(push));
    ws.on('message', (data, isBinary) => {
      let parsed: unknown;
      try {
        parsed = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        parsed = undefined;
      }
      const request = validate(dashboardRequestSchema, parsed);
      if (!request.ok) {
        send({ type: 'error', error: request.error });
        return;
      }
      this.options.onRequest(request.data, send);
    });
    ws.on('error', (error) =>
      this.options.logger.debug(`dashboard: a page's socket failed: ${error.message}`),
    );
    ws.on('close', () => this.options.onClients(this.clients));
    send(this.options.hello());
    this.options.onClients(this.clients);
  }

  private sendText(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.close(1013, 'too far behind');
      return;
    }
    ws.send(text);
  }

  /** The same text to every page. */
  broadcast(text: string): void {
    for (const ws of this.wss.clients) this.sendText(ws, text);
  }

  close(): void {
    this.closed = true;
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
