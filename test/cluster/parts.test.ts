import { expect } from 'chai';
import { z } from '../../contract/zod.js';
import { gather } from '../../actors/cluster/gather.js';
import { leaseKey } from '../../actors/cluster/lease-key.js';
import { cytubeLeaseName } from '../../app/child-specs.js';
import { formatClusterStatus } from '../../cli/format-cluster-status.js';
import { MAX_PEERS, Peers } from '../../actors/cluster/peers.js';
import { summariseTree } from '../../actors/cluster/tree-summary.js';
import { encodeJson } from '../../contract/envelope.js';
import { err, ok } from '../../contract/result.js';
import { client, useNatsServer } from '../support/nats.js';

const beat = (node: string, instance: string) => ({ node, instance, pid: 1, version: '0.1.0' });

describe('cluster: its pure parts', () => {
  it('peers: lists the nodes heard lately with how long ago, and forgets the long silent', () => {
    const peers = new Peers(10_000, 2000);
    peers.heard(beat('a', 'x'), 1000);
    peers.heard(beat('b', 'y'), 5000);
    expect([...peers.known(6000)]).to.deep.equal([
      ['a', 5000],
      ['b', 1000],
    ]);
    expect([...peers.known(12_000).keys()]).to.deep.equal(['b']);
    // Forgotten for good, not only left out: only a new heartbeat brings it back.
    expect([...peers.known(6000).keys()]).to.deep.equal(['b']);
  });

  it('peers: holds at most MAX_PEERS names, forgetting the long silent first', () => {
    const peers = new Peers(10_000, 2000);
    for (let i = 0; i < MAX_PEERS; i++) peers.heard(beat(`n${i}`, 'x'), 1000);
    // Full: a new name is not recorded while all are fresh…
    peers.heard(beat('late', 'x'), 2000);
    expect(peers.known(2000).size).to.equal(MAX_PEERS);
    expect(peers.known(2000).has('late')).to.equal(false);
    // A known name is still heard while the table is full: its age starts again, a clash still shows.
    peers.heard(beat('n0', 'x'), 2500);
    expect(peers.known(2500).get('n0')).to.equal(0);
    expect(peers.heard(beat('n1', 'other'), 2500)?.instance).to.equal('x');
    // …and is once the silent ones are forgotten.
    peers.heard(beat('late', 'x'), 20_000);
    expect([...peers.known(20_000).keys()]).to.deep.equal(['late']);
  });

  it('peers: a node heard exactly `forgetAfterMs` ago is still listed', () => {
    const peers = new Peers(10_000, 2000);
    peers.heard(beat('a', 'x'), 1000);
    expect([...peers.known(11_000)]).to.deep.equal([['a', 10_000]]);
    expect([...peers.known(11_001)]).to.deep.equal([]);
  });

  it('peers: two instances under one name within the clash window are a clash; a restart is not', () => {
    const peers = new Peers(60_000, 2000);
    expect(peers.heard(beat('a', 'x'), 1000)).to.equal(undefined);
    expect(peers.heard(beat('a', 'y'), 1500)?.instance).to.equal('x');
    // The same name back after a silence longer than the window: the node restarted.
    expect(peers.heard(beat('a', 'z'), 9000)).to.equal(undefined);
    // The same instance again is its next heartbeat; another one exactly the window later is a restart.
    expect(peers.heard(beat('a', 'z'), 9100)).to.equal(undefined);
    expect(peers.heard(beat('a', 'w'), 11_100)).to.equal(undefined);
  });

  it('tree summary: counts actors and names the paths of those not running', () => {
    const summary = summariseTree({
      id: 'rosey',
      kind: 'supervisor',
      status: 'running',
      restarts: 0,
      children: [
        { id: 'bus', kind: 'worker', status: 'running', restarts: 0 },
        {
          id: 'plugins',
          kind: 'supervisor',
          status: 'running',
          restarts: 0,
          children: [{ id: 'dice', kind: 'supervisor', status: 'restarting', restarts: 1 }],
        },
      ],
    });
    expect(summary).to.deep.equal({ actors: 4, running: 3, notRunning: ['rosey/plugins/dice (restarting)'] });
  });

  it('lease key: the same 64-bit key for the same name on every node, another for another name', () => {
    expect(leaseKey('cytube:https://cytu.be/a')).to.equal(leaseKey('cytube:https://cytu.be/a'));
    expect(leaseKey('cytube:https://cytu.be/a')).to.not.equal(leaseKey('cytube:https://cytu.be/b'));
    expect(BigInt(leaseKey('x')) < 2n ** 63n && BigInt(leaseKey('x')) >= -(2n ** 63n)).to.equal(true);
  });

  it("lease name: one per channel, however a node's configuration spells the server", () => {
    // Spelt two ways on two nodes, the channel got two leases and so two bots (found in review).
    const names = [
      cytubeLeaseName('https://cytu.be', 'mychan'),
      cytubeLeaseName('https://cytu.be/', 'mychan'),
      cytubeLeaseName('HTTPS://CyTu.be', 'MyChan'),
    ];
    expect(new Set(names)).to.have.length(1);
    expect(names[0]).to.equal('cytube:https://cytu.be/mychan');
    expect(cytubeLeaseName('https://cytu.be', 'other')).to.not.equal(names[0]);
    expect(cytubeLeaseName('http://127.0.0.1:8080', 'mychan')).to.equal(
      'cytube:http://127.0.0.1:8080/mychan',
    );
  });

  it('status --cluster prints what other nodes say with control characters shown as ?', () => {
    const text = formatClusterStatus({
      self: 'a',
      nodes: [
        {
          node: 'a',
          answered: true,
          info: {
            ...beat('a', 'x'),
            version: '1.0\u001b[2J',
            startedAt: new Date(0).toISOString(),
            uptimeMs: 1000,
            tree: { actors: 2, running: 1, notRunning: ['rosey/x\u0007'] },
            plugins: [{ name: 'dice', version: '1.0.0\r', state: 'running' }],
          },
        },
      ],
    });
    expect(text).not.to.match(/\p{Cc}(?<!\n)/u);
    expect(text).to.include('Rosey 1.0?[2J');
    expect(text).to.include('not running: rosey/x?');
    expect(text).to.include('plugins: dice 1.0.0?');
  });

  describe('gather (a real nats-server)', () => {
    const nats = useNatsServer();
    const schema = z.looseObject({ node: z.string() });

    it('collects every answer, leaves out failures and garbage, and stops once the expected answered', async () => {
      const nc = await client(nats.url);
      try {
        const answer = (reply: unknown) =>
          nc.subscribe('t.info', {
            callback: (_e, msg) => {
              msg.respond(encodeJson(reply));
            },
          });
        answer(ok({ node: 'a' }));
        answer(ok({ node: 'b' }));
        answer(err('INTERNAL', 'broken'));
        answer(ok({ name: 'not a node' }));
        await nc.flush();
        const { answers, invalid } = await gather(nc, 't.info', {
          schema,
          // Beyond the test's own timeout: only stopping early, once a and b answered, passes.
          deadlineMs: 120_000,
          expected: new Set(['a', 'b']),
        });
        expect([...answers.keys()].sort()).to.deep.equal(['a', 'b']);
        expect(invalid).to.be.at.most(2);
      } finally {
        await nc.close();
      }
    });

    it('counts every answer it leaves out, whatever is wrong with it', async () => {
      const nc = await client(nats.url);
      try {
        const answer = (reply: Uint8Array) =>
          nc.subscribe('t.bad', {
            callback: (_e, msg) => {
              msg.respond(reply);
            },
          });
        answer(encodeJson(ok({ node: 'a' })));
        answer(encodeJson(err('INTERNAL', 'broken')));
        answer(encodeJson(ok({ name: 'not a node' })));
        answer(new TextEncoder().encode('not json'));
        await nc.flush();
        const { answers, invalid } = await gather(nc, 't.bad', {
          schema,
          deadlineMs: 500,
          expected: new Set(['a', 'silent']),
        });
        expect([...answers.keys()]).to.deep.equal(['a']);
        expect(invalid).to.equal(3);
      } finally {
        await nc.close();
      }
    });

    it('leaves no timer behind when every expected node answered early', async () => {
      const nc = await client(nats.url);
      try {
        nc.subscribe('t.early', {
          callback: (_e, msg) => {
            msg.respond(encodeJson(ok({ node: 'a' })));
          },
        });
        await nc.flush();
        const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
        const before = timers();
        await gather(nc, 't.early', { schema, deadlineMs: 120_000, expected: new Set(['a']) });
        expect(timers()).to.equal(before);
      } finally {
        await nc.close();
      }
    });

    it('returns what came by the deadline when an expected node is silent', async () => {
      const nc = await client(nats.url);
      try {
        nc.subscribe('t.info2', {
          callback: (_e, msg) => {
            msg.respond(encodeJson(ok({ node: 'a' })));
          },
        });
        await nc.flush();
        const { answers } = await gather(nc, 't.info2', {
          schema,
          deadlineMs: 300,
          expected: new Set(['a', 'silent']),
        });
        expect([...answers.keys()]).to.deep.equal(['a']);
      } finally {
        await nc.close();
      }
    });
  });
});
