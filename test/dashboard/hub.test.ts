/**
 * The dashboard's hub on a real HTTP server and real WebSockets (`ws`), without a Rosey: what it
 * refuses, how it answers a page's malformed requests, and that closing it ends every socket.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { DashboardHub } from '../../actors/dashboard/hub.js';
import {
  dashboardPushSchema,
  type DashboardPush,
  type DashboardRequest,
} from '../../contract/messages/dashboard.js';
import { quietLogger } from '../../contract/log.js';
import { eventually } from '../support/nats.js';

const TOKEN = 'a-token-of-sixteen-chars';

describe('dashboard hub', () => {
  let server: Server;
  let hub: DashboardHub;
  let port: number;
  const requests: DashboardRequest[] = [];
  const counts: number[] = [];

  beforeEach(async () => {
    requests.length = 0;
    counts.length = 0;
    hub = new DashboardHub({
      token: TOKEN,
      localOnly: true,
      logger: quietLogger,
      hello: () => ({ type: 'hello', version: '0.0.0', actions: true, violations: [], audit: [], log: [] }),
      onRequest: (request, reply) => {
        requests.push(request);
        reply({ type: 'action', id: 'id' in request ? request.id : 'chart', ok: true, message: 'done' });
      },
      onClients: (n) => counts.push(n),
    });
    server = createServer((_req, res) => res.end());
    server.on('upgrade', (req, socket, head) => hub.upgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    hub.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const open = (protocols: string[], origin = `http://127.0.0.1:${port}`) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/dashboard/ws`, protocols, { origin });
    const pushes: DashboardPush[] = [];
    ws.on('message', (data) =>
      pushes.push(dashboardPushSchema.parse(JSON.parse((data as Buffer).toString()))),
    );
    return new Promise<{ ws: WebSocket; pushes: DashboardPush[] }>((resolve, reject) => {
      ws.once('open', () => resolve({ ws, pushes }));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  };
  const withToken = (token = TOKEN) => [
    'rosey.dashboard.v1',
    `rosey.token.${Buffer.from(token).toString('base64url')}`,
  ];

  it('refuses a socket without its subprotocol (400), and one with a token of another length (401)', async () => {
    await open([`rosey.token.${Buffer.from(TOKEN).toString('base64url')}`]).then(
      () => expect.fail('opened without rosey.dashboard.v1'),
      (e: Error) => expect(e.message).to.equal('refused: 400'),
    );
    await open(withToken('short')).then(
      () => expect.fail('opened with a short token'),
      (e: Error) => expect(e.message).to.equal('refused: 401'),
    );
    await open(withToken(), 'null').then(
      () => expect.fail('opened from an opaque origin'),
      (e: Error) => expect(e.message).to.equal('refused: 403'),
    );
    expect(counts).to.deep.equal([]);
  });

  it('greets a page, passes its checked requests on, and answers the rest with an error', async () => {
    const { ws, pushes } = await open(withToken());
    expect(ws.protocol).to.equal('rosey.dashboard.v1');
    ws.send(JSON.stringify({ type: 'reload', plugin: 'dice', id: 'r1' }));
    ws.send('not json');
    ws.send(JSON.stringify({ type: 'reload', plugin: '../dice', id: 'r2' }));
    ws.send(JSON.stringify({ type: 'shell', command: 'rm -rf /' }));
    await eventually(() => pushes.length === 5, 'five answers');
    expect(pushes[0]?.type).to.equal('hello');
    expect(pushes[1]).to.deep.equal({ type: 'action', id: 'r1', ok: true, message: 'done' });
    expect(pushes.slice(2).map((p) => p.type === 'error' && p.error.code)).to.deep.equal([
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
      'VALIDATION_ERROR',
    ]);
    expect(requests).to.deep.equal([{ type: 'reload', plugin: 'dice', id: 'r1' }]);
    hub.broadcast(JSON.stringify({ type: 'log', lines: ['one'] }));
    await eventually(() => pushes.length === 6, 'the broadcast');
    ws.close();
    await eventually(() => counts.at(-1) === 0, 'the page counted out');
    expect(counts).to.deep.equal([1, 0]);
  });

  it('closed, it ends every socket and refuses new ones (503)', async () => {
    const pages = await Promise.all([open(withToken()), open(withToken())]);
    const closed = pages.map(({ ws }) => new Promise((resolve) => ws.once('close', resolve)));
    hub.close();
    await Promise.all(closed);
    await open(withToken()).then(
      () => expect.fail('opened on a closed hub'),
      (e: Error) => expect(e.message).to.equal('refused: 503'),
    );
  });
});
