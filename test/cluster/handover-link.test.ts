import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { clusterPresenceMachine, type ClusterPresenceInput } from '../../actors/cluster/presence.machine.js';
import { refusal } from '../../actors/cluster/takeover.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import type { ChannelJoined, HandledLine, HandoverRecord } from '../../contract/messages/handover.js';
import { subjects } from '../../contract/subjects.js';
import { runTree, type RunningTree } from '../../supervisors/run-tree.js';
import { captureLogger } from '../support/capture-logger.js';
import { client, eventually, useNatsServer } from '../support/nats.js';

/**
 * The cluster link's part in a takeover and in telling nodes apart, with one real nats-server as
 * both the node's bus and the cluster: records go out, the others' come in (checked), a join is
 * answered from them, and a clash of names is logged once, not at every heartbeat.
 */
// Lines as CyTube times them: a takeover lets go of lines older than its window before now.
const T = Date.now() - 10_000;

describe('cluster link: handover records and name clashes (real nats-server)', () => {
  const nats = useNatsServer();
  let tree: RunningTree | undefined;
  const connections: NatsConnection[] = [];
  const logger = captureLogger();

  beforeEach(async () => {
    connections.push(await client(nats.url), await client(nats.url));
  });

  async function start() {
    const linkNc = connections[0]!;
    const link = new BusLink();
    link.set(linkNc);
    tree = await runTree({
      name: 'test',
      strategy: 'one_for_one',
      logger,
      children: [
        {
          id: 'cluster',
          logic: clusterPresenceMachine,
          readyOn: 'spawn',
          input: {
            node: 'a',
            cluster: { urls: [nats.url] },
            heartbeatMs: 50,
            statusTimeoutMs: 500,
            runtime: { pid: process.pid, version: '0.0.0', startedAt: new Date().toISOString() },
            link,
            rootSystemId: 'test',
            prefix: '!',
            logger,
          } satisfies ClusterPresenceInput,
        },
      ],
    });
    // On the cluster once its heartbeats come.
    await new Promise<void>((resolve) => {
      const sub = nc().subscribe(subjects.clusterHeartbeat('a'), {
        callback: () => (sub.unsubscribe(), resolve()),
      });
    });
  }

  afterEach(async () => {
    await tree?.shutdown();
    tree = undefined;
    for (const nc of connections.splice(0)) await nc.close();
    logger.lines.length = 0;
  });

  const nc = () => connections[1]!;
  const collect = (subject: string) => {
    const seen: unknown[] = [];
    nc().subscribe(subject, {
      callback: (_e, msg) => {
        const decoded = decodeJson(msg.data);
        if (decoded.ok) seen.push(decoded.data);
      },
    });
    return seen;
  };
  const line = (user: string, time: number, text: string, reply?: string): HandledLine => ({
    platform: 'cytube',
    channel: 'c',
    user,
    time,
    text,
    ...(reply ? { reply: { text: reply, private: false } } : {}),
  });
  const from = (node: string, record: HandoverRecord, subjectNode = node) =>
    nc().publish(subjects.clusterHandover(subjectNode), encodeJson(record));

  it("passes the router's records on as its own; takes over from another node's records", async () => {
    await start();
    const mine = collect(subjects.clusterHandover('a'));
    const said = collect(subjects.sendChat('cytube'));
    nc().publish(subjects.routerHandled, encodeJson(line('bob', T + 500, '!roll', 'bob rolled 3')));
    await eventually(() => mine.length === 1, 'the record on the cluster');
    expect(mine[0]).to.deep.equal({
      ...line('bob', T + 500, '!roll', 'bob rolled 3'),
      kind: 'handled',
      node: 'a',
    });

    // Node b held the channel from time 1000; it answered two lines, one answer of which never left.
    from('b', { kind: 'session', node: 'b', platform: 'cytube', channel: 'c', after: T + 1000, term: 1 });
    from('b', { ...line('alice', T + 1100, '!roll 1', 'alice rolled 1: 2'), kind: 'handled', node: 'b' });
    from('b', { ...line('alice', T + 1200, '!roll 2', 'alice rolled 2: 6'), kind: 'handled', node: 'b' });
    // Records that lie about their node, or are not records, change nothing.
    from('c', { ...line('alice', T + 1300, '!roll 3', 'forged'), kind: 'handled', node: 'c' }, 'b');
    nc().publish(subjects.clusterHandover('b'), encodeJson({ kind: 'handled', node: 'b' }));
    await nc().flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const joined: ChannelJoined = {
      platform: 'cytube',
      channel: 'c',
      history: [
        { platform: 'cytube', channel: 'c', user: 'alice', rank: 1, text: '!roll 1', time: T + 1100 },
        {
          platform: 'cytube',
          channel: 'c',
          user: 'testbot',
          rank: 1,
          text: 'alice rolled 1: 2',
          time: T + 1101,
          self: true,
        },
        { platform: 'cytube', channel: 'c', user: 'alice', rank: 1, text: '!roll 2', time: T + 1200 },
        { platform: 'cytube', channel: 'c', user: 'alice', rank: 1, text: '!roll 3', time: T + 1300 },
      ],
    };
    nc().publish(subjects.platformJoined('cytube'), encodeJson(joined));
    await eventually(() => said.length === 2, 'what the new leader says');
    expect(said).to.deep.equal([
      { channel: 'c', text: 'alice rolled 2: 6' },
      { channel: 'c', text: refusal('alice', '!roll 3') },
    ]);
    expect(logger.lines.map((l) => l.msg)).to.include(
      'took cytube c over from node b: 1 answer it had not delivered sent again, 1 command without an answer refused',
    );
    // …and says it holds the channel now, from the newest line of its replay on.
    await eventually(() => mine.some((r) => (r as RecordKind).kind === 'session'), 'its session');
    expect(mine.find((r) => (r as RecordKind).kind === 'session')).to.deep.equal({
      kind: 'session',
      node: 'a',
      platform: 'cytube',
      channel: 'c',
      after: T + 1300,
      term: 2,
    });

    // Its own next join (a reconnect) is not a takeover: nothing said again; its term goes on.
    nc().publish(subjects.platformJoined('cytube'), encodeJson(joined));
    await eventually(
      () => mine.filter((r) => (r as RecordKind).kind === 'session').length === 2,
      'its next session',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(said).to.have.length(2);
    expect(
      mine.filter((r) => (r as RecordKind).kind === 'session').map((r) => (r as { term: number }).term),
    ).to.deep.equal([2, 3]);
  });

  it('a node that reaches the cluster asks the others what they recorded, and takes over by it', async () => {
    // Node b holds the channel; this node (a) has just restarted and heard none of it live.
    const b = setInterval(
      () =>
        nc().publish(
          subjects.clusterHeartbeat('b'),
          encodeJson({ node: 'b', instance: 'bb', pid: 1, version: '0.0.0' }),
        ),
      20,
    );
    let asked = 0;
    nc().subscribe(subjects.clusterHandoverSync, {
      callback: (_e, msg) => {
        asked++;
        msg.respond(
          encodeJson({
            ok: true,
            data: {
              node: 'b',
              records: [
                // An older holder's session, in the answer after the latest: the term decides.
                { kind: 'session', node: 'b', platform: 'cytube', channel: 'c', after: T + 1000, term: 4 },
                { kind: 'session', node: 'z', platform: 'cytube', channel: 'c', after: T + 900, term: 3 },
                { ...line('alice', T + 1100, '!roll 1', 'alice rolled 1: 2'), kind: 'handled', node: 'b' },
              ],
            },
          }),
        );
      },
    });
    const mine = collect(subjects.clusterHandover('a'));
    const said = collect(subjects.sendChat('cytube'));
    await nc().flush();
    try {
      await new Promise((resolve) => setTimeout(resolve, 60));
      await start();
      // Its connector joins at once, before the sync has been asked (two heartbeats after the
      // connection): the takeover waits for the sync's answers.
      nc().publish(
        subjects.platformJoined('cytube'),
        encodeJson({
          platform: 'cytube',
          channel: 'c',
          history: [
            { platform: 'cytube', channel: 'c', user: 'alice', rank: 1, text: '!roll 1', time: T + 1100 },
            { platform: 'cytube', channel: 'c', user: 'alice', rank: 1, text: '!roll 2', time: T + 1200 },
          ],
        } satisfies ChannelJoined),
      );
      await eventually(() => asked > 0, 'the sync request');
    } finally {
      clearInterval(b);
    }
    await eventually(() => said.length === 2 && mine.length === 1, 'the takeover');
    // The answer it knows only from the sync is sent again; the unrecorded line refused.
    expect(said).to.deep.equal([
      { channel: 'c', text: 'alice rolled 1: 2' },
      { channel: 'c', text: refusal('alice', '!roll 2') },
    ]);
    expect(mine[0]).to.include({ kind: 'session', term: 5, after: T + 1200 });
    expect(logger.lines.map((l) => l.msg)).to.include(
      'learnt 3 handover records from b: this node can take their channels over',
    );
  });

  it('another process with the same node name is logged once, not at every heartbeat', async () => {
    await start();
    for (let k = 0; k < 6; k++) {
      nc().publish(
        subjects.clusterHeartbeat('a'),
        encodeJson({ node: 'a', instance: 'the-other-one', pid: 4242, version: '0.0.0' }),
      );
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    const clashes = logger.lines.filter((l) => l.msg.includes('also calls itself node a'));
    expect(clashes.map((l) => [l.level, l.msg])).to.deep.equal([
      ['error', 'another process (pid 4242) also calls itself node a: give each node its own name'],
    ]);
  });
});

type RecordKind = { kind: string };
