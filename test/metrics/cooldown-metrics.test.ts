import { expect } from 'chai';
import { BUILTIN_PLUGINS_DIR } from '../../app/start-rosey.js';
import { cytubeSpec, connectorIn } from '../support/cytube-connector.js';
import { fakeClient, type FakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube } from '../support/fake-cytube/index.js';
import { httpPort, metricsChildren, sampleValue, scrape } from '../support/metrics-http.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../support/nats.js';
import type { NatsConnection } from '../../contract/nats.js';

interface Chat {
  username: string;
  msg: string;
}

/**
 * Cooldown hits end to end (issue 17): a user in a CyTube channel (the fake CyTube server, the real
 * connector) says a command twice within its cooldown; the router holds the second back, and
 * `rosey_cooldown_hits_total` in `/metrics` counts it. CyTube, not the terminal chat: `rosey dev`'s
 * console has no cooldowns, so a test there could never see one.
 */
describe('cooldown hits counted, from a CyTube channel to /metrics', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let cytube: FakeCytube | undefined;
  let alice: FakeClient | undefined;
  let nc: NatsConnection | undefined;
  let mini: Awaited<ReturnType<typeof startMiniRosey>> | undefined;

  after(async () => {
    await nc?.close();
    await mini?.tree.shutdown();
    await alice?.close();
    await cytube?.stop();
  });

  it("counts magic-8ball's second !8ball within its 10 s cooldown as a hit, not as a command sent", async () => {
    cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 2, testbot: 1 } } },
    });
    alice = await fakeClient(cytube.baseUrl, 'testchan', {
      name: 'alice',
      password: 'alicepass',
      localAddress: '127.0.78.20',
    });
    const m = metricsChildren({}, []);
    mini = await startMiniRosey({
      url: nats.url,
      plugins: ['magic-8ball'],
      dirs: { 'magic-8ball': `${BUILTIN_PLUGINS_DIR}magic-8ball` },
      // The router's default cooldown for commands that declare none: 8ball declares its own.
      config: { router: { commandTimeoutMs: 5000, defaultCooldownMs: 0 } },
      connectors: [cytubeSpec(cytube.baseUrl), ...m.children],
    });
    nc = await client(nats.url);
    await connectorIn(nc, 'ready');
    const port = await eventually(() => httpPort(mini!.tree.actor), 'the HTTP port');
    const labels = { plugin: 'magic-8ball', command: '8ball' };
    expect(sampleValue(await scrape(port), 'rosey_cooldown_hits_total', labels)).to.equal(undefined);

    const fromBot = () => alice!.received<Chat>('chatMsg').filter((c) => c.username === 'testbot');
    alice.say('!8ball will the metrics count this?');
    await eventually(() => fromBot().length === 1, "the bot's answer");
    alice.say('!8ball and this one?');
    const families = await eventually(async () => {
      const scraped = await scrape(port);
      return sampleValue(scraped, 'rosey_cooldown_hits_total', labels) === 1 ? scraped : undefined;
    }, 'the cooldown hit counted');
    expect(sampleValue(families, 'rosey_commands_total', { ...labels, outcome: 'cooldown' })).to.equal(1);
    expect(sampleValue(families, 'rosey_commands_total', { ...labels, outcome: 'ok' })).to.equal(1);
    expect(sampleValue(families, 'rosey_chat_lines_total', { platform: 'cytube' })).to.be.at.least(2);
    // The answer and the cooldown notice, counted by the connector as it takes them to send.
    await eventually(() => fromBot().length === 2, 'the cooldown notice');
    await eventually(
      async () =>
        sampleValue(await scrape(port), 'rosey_replies_total', { platform: 'cytube', kind: 'chat' }) === 2,
      'both lines counted as sent',
    );
  });
});
