import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { telemetrySpec } from '../../app/child-specs.js';
import { quietLogger } from '../../contract/log.js';
import { tracesUrl } from '../../contract/tracing.js';
import { runTree } from '../../supervisors/run-tree.js';
import { connectorIn, cytubeSpec } from '../support/cytube-connector.js';
import { fakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube } from '../support/fake-cytube/index.js';
import { startMiniRosey } from '../support/mini-rosey.js';
import { client, useNatsServer } from '../support/nats.js';
import { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const DICE = fileURLToPath(new URL('../../plugins/dice', import.meta.url));
const SPAN_KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

// Named to run after traces.test.ts (mocha sorts the files), whose first test needs a process in
// which no OpenTelemetry module has been loaded yet: this one turns tracing on.
describe('traces of CyTube chat (fake CyTube server, real tree and dice process, docs/tracing.md)', function () {
  this.timeout(90_000);
  const nats = useNatsServer();

  it("makes a chat line one trace: the connector's receive span its root, its reply's send span in it", async () => {
    const receiver = await startOtlpReceiver();
    const cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 5, testbot: 1 } } },
    });
    const alice = await fakeClient(cytube.baseUrl, 'testchan', { name: 'alice', password: 'alicepass' });
    const nc = await client(nats.url);
    // The main process's tracer, as the tree's first child (telemetry) runs it in Rosey.
    const telemetry = await runTree({
      name: 'telemetry',
      strategy: 'one_for_one',
      logger: quietLogger,
      children: [telemetrySpec({ logger: quietLogger }, tracesUrl(receiver.url))],
    });
    try {
      const rosey = await startMiniRosey({
        url: nats.url,
        plugins: ['dice'],
        dirs: { dice: DICE },
        config: { telemetry: { otlpEndpoint: receiver.url } },
        connectors: [cytubeSpec(cytube.baseUrl)],
      });
      try {
        await connectorIn(nc, 'ready');
        alice.say('!roll 2d6');
        const reply = await alice.waitFor<{ username: string; msg: string }>(
          'chatMsg',
          (m) => m.username === 'testbot',
          10_000,
        );
        expect(reply.msg).to.match(/^alice rolled 2d6: /);
      } finally {
        // The dice process sends its spans as it stops; the main process's when its tracer stops.
        await rosey.tree.shutdown();
      }
    } finally {
      await telemetry.shutdown();
      await nc.close();
      await alice.close();
      await cytube.stop();
      await receiver.close();
    }

    const spans = receiver.spans;
    const names = spans.map((s) => s.name).join(', ');
    const root = spans.find((s) => s.name === 'receive chat' && s.attributes['rosey.platform'] === 'cytube');
    expect(root, `the connector's receive span among ${names}`).to.exist;
    const trace = spans.filter((s) => s.traceId === root!.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const one = (name: string) => {
      const found = trace.filter((s) => s.name === name);
      expect(found, `${name} in ${trace.map((s) => s.name).join(', ')}`).to.have.length(1);
      return found[0]!;
    };

    // receive chat (connector) → send to dice (router) → dice's command (its process); router → send chat (connector)
    expect(root!.parentSpanId, 'the root has no parent').to.equal(undefined);
    expect(root!.kind).to.equal(SPAN_KIND.consumer);
    expect(root!.attributes).to.include({ 'rosey.platform': 'cytube', 'rosey.channel': 'testchan' });
    const dispatch = one('send rosey.commands.dice.1.execute');
    expect(parentOf(dispatch)).to.equal(root);
    expect(dispatch.attributes).to.include({ 'rosey.command': 'roll', 'rosey.platform': 'cytube' });
    const command = one('process rosey.commands.dice.1.execute');
    expect(parentOf(command)).to.equal(dispatch);
    expect(command.kind).to.equal(SPAN_KIND.server);
    const sent = one('send chat');
    expect(parentOf(sent)).to.equal(dispatch);
    expect(sent.kind).to.equal(SPAN_KIND.producer);
    expect(sent.attributes).to.include({
      'rosey.platform': 'cytube',
      'rosey.channel': 'testchan',
      'messaging.destination.name': 'rosey.platform.cytube.send.chat',
    });
    expect(trace, 'nothing else in the trace').to.have.length(4);

    // Spans from two processes, each named in its resource.
    for (const span of [root!, dispatch, sent]) {
      expect(span.resource['service.name'], span.name).to.equal('rosey');
      expect(span.resource['process.pid'], span.name).to.equal(process.pid);
    }
    expect(command.resource['service.name']).to.equal('rosey-plugin-dice');
    expect(command.resource['process.pid']).to.be.a('number').and.not.equal(process.pid);
    for (const span of trace) expect(span.status?.code ?? 0, `${span.name}'s status`).to.not.equal(2);
  });
});
