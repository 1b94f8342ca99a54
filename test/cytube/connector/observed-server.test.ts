/**
 * Issue 21: the connector against what a real CyTube 3.86.0 did (protocol doc, "Observed on a real
 * CyTube 3.86.0"), each behaviour played by the fake server: a restart, its per-IP connection
 * limits, bans, a guest name held by someone else, and the channel rank that follows an account's
 * login. Assertions are on the connector's decisions (what it logged, the waits it chose, what
 * `rosey cytube status` reads), never on how long anything took.
 */
import { expect } from 'chai';
import type { NatsConnection } from '../../../contract/nats.js';
import { request } from '../../../contract/request.js';
import { subjects } from '../../../contract/subjects.js';
import {
  DOWN_PROBE_MAX_MS,
  RATE_LIMIT_WAIT_MS,
  TOO_MANY_CONNECTIONS_WAIT_MS,
} from '../../../actors/cytube/retry.js';
import type { RunningTree } from '../../../supervisors/run-tree.js';
import { captureLogger } from '../../support/capture-logger.js';
import { connectorIn, connectorState, cytubeSpec } from '../../support/cytube-connector.js';
import { fakeClient, type FakeClient } from '../../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube, type FakeCytubeOptions } from '../../support/fake-cytube/index.js';
import { startMiniRosey } from '../../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../../support/nats.js';
import type { CytubeInput } from '../../../actors/cytube/context.js';

const ACCOUNTS = { alice: 'alicepass', testbot: 'botpass123' };
const CHANNELS = { testchan: { ranks: { alice: 5 } } };
const RANDOM_FACTOR = 0.2;
/** `reconnecting in N ms (…)`: the wait the connector chose. */
const WAIT = /reconnecting in (\d+) ms \((probe|attempt) (\d+)\)/;

describe('cytube connector: what a real CyTube 3.86.0 did (fake CyTube, real nats-server)', function () {
  this.timeout(60_000);
  const nats = useNatsServer();
  let cytube: FakeCytube;
  let nc: NatsConnection;
  let rosey: { tree: RunningTree } | undefined;
  let logger = captureLogger();
  const clients: FakeClient[] = [];
  let nextAddress = 10;

  before(async () => {
    nc = await client(nats.url);
  });
  afterEach(async () => {
    await rosey?.tree.shutdown();
    rosey = undefined;
    for (const c of clients.splice(0)) await c.close();
    await cytube.stop();
  });
  after(async () => {
    await nc.close();
  });

  async function startServer(options: FakeCytubeOptions = {}) {
    cytube = await startFakeCytube({ accounts: ACCOUNTS, channels: CHANNELS, ...options });
  }

  async function startRosey(overrides: Partial<Omit<CytubeInput, 'link'>> = {}) {
    logger = captureLogger();
    rosey = await startMiniRosey({
      url: nats.url,
      plugins: [],
      connectors: [
        cytubeSpec(
          cytube.baseUrl,
          { reconnect: { minMs: 200, maxMs: 5000, randomFactor: RANDOM_FACTOR }, ...overrides },
          logger,
        ),
      ],
    });
  }

  async function join(name: string, options: { password?: string; localAddress?: string } = {}) {
    const c = await fakeClient(cytube.baseUrl, 'testchan', {
      name,
      password: options.password ?? (ACCOUNTS as Record<string, string>)[name] ?? '',
      localAddress: options.localAddress ?? `127.0.21.${nextAddress++}`,
    });
    clients.push(c);
    return c;
  }

  const waits = () =>
    logger.lines
      .map((l) => WAIT.exec(l.msg))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ ms: Number(m[1]), kind: m[2], n: Number(m[3]) }));
  const messages = () => logger.lines.map((l) => l.msg);

  it('a server restart: probes the site about once a second while it is down, then is back at the first answer', async () => {
    await startServer();
    await startRosey();
    await connectorIn(nc, 'ready');
    const before = cytube.log.length;
    await cytube.stop();
    // Down long enough for an exponential backoff to have grown past the probe cadence (issue 21:
    // 8.9 s after four failures): at least six probes.
    await eventually(() => waits().filter((w) => w.kind === 'probe').length >= 6, 'six probes', 20_000);
    await cytube.restart();
    await connectorIn(nc, 'ready', (s) => s.counters.reconnects >= 1, 15_000);
    const decided = waits();
    // The lost session first (an ordinary failure), then only probes of the site, never longer
    // than the probe cadence and its jitter, however long the outage.
    expect(decided[0]).to.include({ kind: 'attempt', n: 1 });
    const probes = decided.slice(1);
    expect(probes.every((w) => w.kind === 'probe')).to.equal(true);
    expect(probes.map((w) => w.n)).to.deep.equal(probes.map((_, i) => i + 1));
    expect(Math.max(...probes.map((w) => w.ms))).to.be.at.most(DOWN_PROBE_MAX_MS * (1 + RANDOM_FACTOR));
    // Each probe was a socketconfig request, not a socket: one socket, after the site answered.
    expect(new Set(cytube.log.slice(before).map((e) => e.socketId)).size).to.equal(1);
  });

  it('a server that restarts again soon: the next outage starts from the first wait again, not a grown one', async () => {
    await startServer();
    await startRosey();
    await connectorIn(nc, 'ready');
    for (let outage = 1; outage <= 3; outage++) {
      const probes = waits().filter((w) => w.kind === 'probe').length;
      await cytube.stop();
      await eventually(
        () => waits().filter((w) => w.kind === 'probe').length >= probes + 2,
        'two probes',
        20_000,
      );
      await cytube.restart();
      await connectorIn(nc, 'ready', (s) => s.counters.reconnects >= outage * 3, 15_000);
    }
    // Sessions of a second or two, each lost to its server going away: every one a first attempt
    // (a growing backoff was 1, 2, 4 … s before the probing even started).
    expect(
      waits()
        .filter((w) => w.kind === 'attempt')
        .map((w) => w.n),
    ).to.deep.equal([1, 1, 1]);
  });

  it('"Rate limit exceeded" (connect_error) is temporary: it backs off at least the server’s 10 s, and says so', async () => {
    await startServer({ connectRate: { burst: 5, refillMs: 10_000 } });
    // Five quick connects from the bot's address use up what CyTube allows it.
    for (let i = 0; i < 5; i++) {
      const c = await fakeClient(cytube.baseUrl, 'testchan', { join: false });
      await c.close();
    }
    await startRosey();
    const s = await connectorIn(nc, 'backing-off');
    expect(s.reason).to.match(
      /^CyTube turned the bot away for now \(cannot connect to .* Rate limit exceeded\); trying again at \d\d:\d\d:\d\dZ$/,
    );
    const [wait] = waits();
    expect(wait!.kind).to.equal('attempt');
    expect(wait!.ms).to.be.at.least(RATE_LIMIT_WAIT_MS);
    expect(messages().some((m) => /stopped trying/.test(m))).to.equal(false);
  });

  it('"Too many connections from your IP address" (kick) is temporary: it backs off instead of halting', async () => {
    await startServer({ ipConnectionLimit: 2 });
    // Two sockets from the bot's own address (127.0.0.1) fill CyTube's per-IP limit.
    for (let i = 0; i < 2; i++) clients.push(await fakeClient(cytube.baseUrl, 'testchan', { join: false }));
    await startRosey();
    const s = await connectorIn(nc, 'backing-off');
    expect(s.reason).to.match(
      /^CyTube turned the bot away for now \(Too many connections from your IP address\); trying again at /,
    );
    expect(waits()[0]!.ms).to.be.at.least(TOO_MANY_CONNECTIONS_WAIT_MS);
    // Once the others are gone, a rejoin (or the wait) brings it in.
    for (const c of clients.splice(0)) await c.close();
    const rejoin = await request(nc, subjects.platformRejoin('cytube'), {}, { timeoutMs: 2000 });
    expect(rejoin.ok).to.equal(true);
    await connectorIn(nc, 'ready');
  });

  it('a permanent refusal still halts with its reason: a server-wide IP ban', async () => {
    await startServer({ bannedIps: ['127.0.0.1'] });
    await startRosey();
    const s = await connectorIn(nc, 'halted');
    expect(s.reason).to.match(/^CyTube refused the connection: .*You are banned from the server$/);
  });

  it('a ban while in the channel halts ("You\'re banned!"), and status no longer lists the users', async () => {
    await startServer();
    await join('alice');
    await startRosey();
    await connectorIn(nc, 'ready', (s) => s.users.length === 2);
    cytube.channel('testchan').ban('testbot');
    const s = await connectorIn(nc, 'halted');
    expect(s.reason).to.equal("kicked from testchan: You're banned!");
    expect(s.users).to.deep.equal([]);
  });

  it('rejoining while banned: the whole join burst, then the kick; it halts with the reason and lists nobody', async () => {
    await startServer({ channels: { testchan: { ranks: { alice: 5 }, bans: ['testbot'] } } });
    await join('alice');
    await startRosey();
    const s = await connectorIn(nc, 'halted');
    expect(s.reason).to.equal('kicked from testchan: You are banned from this channel.');
    expect(s.users).to.deep.equal([]);
  });

  it('a kick: status shows no users from the lost session', async () => {
    await startServer();
    await join('alice');
    await startRosey();
    await connectorIn(nc, 'ready', (s) => s.users.length === 2);
    cytube.channel('testchan').kick('testbot', 'bye');
    const s = await connectorIn(nc, 'halted');
    expect(s.users).to.deep.equal([]);
    const tree = await connectorState(nc);
    expect(tree.users).to.deep.equal([]);
  });

  it('a guest name held by someone else: joining says why and until when, in one sentence', async () => {
    await startServer();
    await join('guestbot', { password: '' });
    await startRosey({ username: 'guestbot', password: undefined });
    const s = await connectorIn(nc, 'joining', (st) => st.reason !== null);
    expect(s.reason).to.match(
      /^That name is already in use on this channel; logging in again at \d\d:\d\d:\d\dZ$/,
    );
    const line = messages().find((m) => m.includes('logging in again in'));
    // Issue 21: the log read "…on this channel.: logging in again in 21 s".
    expect(line).to.match(/^That name is already in use on this channel: logging in again in \d+ s$/);
  });

  it('the join line gives the channel rank an account settles at, not the login’s rank 1', async () => {
    await startServer({ channels: { testchan: { ranks: { alice: 5, testbot: 2 } } } });
    await startRosey();
    await connectorIn(nc, 'ready');
    await eventually(() => messages().some((m) => m.startsWith('in testchan as ')), 'the join line');
    expect(messages().filter((m) => m.startsWith('in testchan as '))).to.deep.equal([
      'in testchan as testbot (rank 2, 1 users)',
    ]);
  });
});
