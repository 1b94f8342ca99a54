import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '../../../contract/nats.js';
import { connectWithRetry } from '../../../actors/bus/connect.js';
import { startNatsServer, type NatsServerHandle } from '../../../actors/nats-server/nats-server-process.js';
import { findFreePort } from '../../../process/free-port.js';
import type { RunningTree } from '../../../supervisors/run-tree.js';
import { connectorIn, cytubeSpec } from '../../support/cytube-connector.js';
import { fakeClient, type FakeClient } from '../../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube } from '../../support/fake-cytube/index.js';
import { startMiniRosey } from '../../support/mini-rosey.js';
import { eventually, tempDir } from '../../support/nats.js';

const DICE = fileURLToPath(new URL('../../../plugins/dice', import.meta.url));

interface Chat {
  username: string;
  msg: string;
}

// Issue 15, defect 6: a chat line the connector published while the NATS server was down sat in
// nats.js's buffer, which its next reconnect attempt emptied: the line never reached the router.
describe('cytube connector: a chat line said while the NATS server is down', function () {
  this.timeout(90_000);
  let server: NatsServerHandle | undefined;
  let cytube: FakeCytube | undefined;
  let rosey: { tree: RunningTree } | undefined;
  let nc: NatsConnection | undefined;
  let alice: FakeClient | undefined;

  afterEach(async () => {
    await rosey?.tree.shutdown();
    await alice?.close();
    await nc?.close();
    await cytube?.stop();
    await server?.stop(2000);
  });

  it('is answered once the server is back', async () => {
    const port = await findFreePort();
    const dir = tempDir('rosey-nats-');
    server = await startNatsServer({ port, dir });
    const url = `nats://127.0.0.1:${port}`;
    cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 5, testbot: 1 } } },
    });
    alice = await fakeClient(cytube.baseUrl, 'testchan', {
      name: 'alice',
      password: 'alicepass',
      localAddress: '127.0.77.90',
    });
    const started = await startMiniRosey({
      url,
      plugins: ['dice'],
      dirs: { dice: DICE },
      connectors: [cytubeSpec(cytube.baseUrl)],
    });
    rosey = started;
    nc = await connectWithRetry({ url }, { name: 'test', deadlineMs: 5000 });
    await connectorIn(nc, 'ready');
    alice.say('!roll 1d5');
    await alice.waitFor<Chat>('chatMsg', (m) => m.username === 'testbot', 10_000);

    // Rosey's bus keeps its connection and reconnects: every attempt is a `reconnecting` status.
    const bus = started.link.connection!;
    let attempts = 0;
    let disconnected = false;
    void (async () => {
      for await (const status of bus.status()) {
        if (status.type === 'disconnect') disconnected = true;
        if (status.type === 'reconnecting') attempts++;
      }
    })();
    server.kill();
    await server.exited;
    await eventually(() => disconnected, 'the bus to notice');

    alice.say('!roll 1d9');
    const seenByBot = () =>
      cytube!.log.some(
        (e) =>
          e.dir === 'in' &&
          e.user === 'testbot' &&
          e.event === 'chatMsg' &&
          JSON.stringify(e.data).includes('1d9'),
      );
    await eventually(seenByBot, 'the line to reach the bot');
    // Two reconnect attempts later, whatever nats.js had buffered for the line is gone.
    const before = attempts;
    await eventually(() => attempts >= before + 2, 'two reconnect attempts', 10_000);

    server = await startNatsServer({ port, dir });
    const reply = await alice.waitFor<Chat>(
      'chatMsg',
      (m) => m.username === 'testbot' && m.msg.includes('1d9'),
      15_000,
    );
    expect(reply.msg).to.match(/^alice rolled 1d9: \d = \d$/);
  });
});
