import { expect } from 'chai';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '../../../contract/nats.js';
import { Server } from 'socket.io';
import { decodeJson } from '../../../contract/envelope.js';
import type { ChatMessage } from '../../../contract/messages/chat.js';
import { subjects } from '../../../contract/subjects.js';
import { captureLogger } from '../../support/capture-logger.js';
import { connectorIn, connectorState, cytubeSpec } from '../../support/cytube-connector.js';
import { startMiniRosey } from '../../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../../support/nats.js';

/**
 * A socket.io server that answers the join with garbage before a proper join: missing fields,
 * wrong types, unknown events and an enormous userlist. The fake CyTube server is faithful and
 * never does this; a real one might (a newer version, a broken proxy).
 */
async function hostileServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const http: HttpServer = createServer((req, res) => {
    const port = (http.address() as AddressInfo).port;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ servers: [{ url: `http://127.0.0.1:${port}`, secure: false }] }));
  });
  const io = new Server(http, { transports: ['websocket'] });
  io.on('connection', (socket) => {
    socket.on('login', (data: { name: string }) => {
      socket.emit('rank', 'one');
      socket.emit('userlist', 'not a list');
      socket.emit('userlist', [{ rank: 1 }]);
      socket.emit('chatMsg', { username: 'alice' });
      socket.emit('chatMsg', 42);
      socket.emit('setUserRank', { name: 'nobody-here', rank: 3 });
      socket.emit('brandNewEvent', { what: 'ever' });
      socket.emit('weird event name!', 1);
      socket.emit('setPermissions', { chat: 'zero' });
      socket.emit('queue', { item: null });
      socket.emit('login', { success: 'yes' });
      // Then a proper join: an enormous userlist, the login.
      socket.emit(
        'userlist',
        Array.from({ length: 20_000 }, (_, i) => ({ name: `u${i}`, rank: 0, meta: {} })),
      );
      socket.emit('rank', 1);
      socket.emit('login', { success: true, name: data.name });
      socket.emit('chatMsg', { username: 'u1', msg: 'still alive?', meta: {}, time: Date.now() });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}

describe('cytube connector: malformed server traffic and crashes', function () {
  this.timeout(30_000);
  const nats = useNatsServer();
  let nc: NatsConnection;
  let rosey: Awaited<ReturnType<typeof startMiniRosey>> | undefined;

  before(async () => {
    nc = await client(nats.url);
  });
  afterEach(async () => {
    await rosey?.tree.shutdown();
    rosey = undefined;
  });
  after(async () => {
    await nc.close();
  });

  it('logs and ignores malformed payloads and unknown events, and still joins', async () => {
    const server = await hostileServer();
    const logger = captureLogger();
    const seen: ChatMessage[] = [];
    const sub = nc.subscribe(subjects.message, {
      callback: (_e, m) => {
        const d = decodeJson(m.data);
        if (d.ok) seen.push(d.data as ChatMessage);
      },
    });
    try {
      rosey = await startMiniRosey({
        url: nats.url,
        plugins: [],
        connectors: [cytubeSpec(server.url, { password: undefined, username: 'guestbot' }, logger)],
      });
      const s = await connectorIn(nc, 'ready');
      // The first 5000 of the list, and the bot itself.
      expect(s.users).to.have.length(5001);
      expect(s.counters.invalid).to.be.at.least(8);
      await eventually(() => seen.find((m) => m.text === 'still alive?'), 'the line after the garbage');
      expect(logger.lines.some((l) => /malformed userlist/.test(l.msg))).to.equal(true);
      expect(logger.lines.some((l) => /userlist of 20000 users: kept the first 5000/.test(l.msg))).to.equal(
        true,
      );
    } finally {
      sub.unsubscribe();
      await rosey?.tree.shutdown();
      rosey = undefined;
      await server.close();
    }
  });

  it('a crash inside the connector restarts only the connector; the plugins keep running', async () => {
    const { startFakeCytube } = await import('../../support/fake-cytube/index.js');
    const { fileURLToPath } = await import('node:url');
    const cytube = await startFakeCytube({
      accounts: { testbot: 'botpass123' },
      channels: { testchan: { ranks: { testbot: 1 } } },
    });
    let crashNext = false;
    const now = () => {
      if (crashNext) {
        crashNext = false;
        throw new Error('injected crash');
      }
      return Date.now();
    };
    try {
      rosey = await startMiniRosey({
        url: nats.url,
        plugins: ['dice'],
        dirs: { dice: fileURLToPath(new URL('../../../plugins/dice', import.meta.url)) },
        connectors: [cytubeSpec(cytube.baseUrl, { now })],
      });
      await connectorIn(nc, 'ready');
      const before = rosey!.plugins().records.dice!.restarts;
      crashNext = true;
      // Any server event makes the connector read the clock.
      cytube.channel('testchan').setOptions({ pagetitle: 'crash please' });
      const restarts = () =>
        (rosey!.tree.actor.getSnapshot().context as { records: Record<string, { restarts: number }> }).records
          .cytube!.restarts;
      await eventually(async () => {
        // Counted before asking: a state asked before the crash comes back "ready" from the old
        // connector, and was read as the new one's when the restart was counted meanwhile (a
        // flaky failure under load: ready, yet no connection to the server).
        const restarted = restarts() === 1;
        const s = await connectorState(nc).catch(() => undefined);
        return restarted && s?.state === 'ready';
      }, 'the restarted connector back in the channel');
      expect(crashNext).to.equal(false);
      expect(rosey!.plugins().records.dice!.restarts).to.equal(before);
      expect(cytube.connections()).to.equal(1);
      // The crashed connector's socket was closed by the restart, not left to be kicked by the
      // new session's login (XState does not stop the children of an actor that threw).
      expect(cytube.log.filter((e) => e.event === 'kick')).to.deep.equal([]);
      expect(cytube.log.filter((e) => e.dir === 'out' && e.event === 'login')).to.have.length(2);
    } finally {
      await rosey?.tree.shutdown();
      rosey = undefined;
      await cytube.stop();
    }
  });
});
