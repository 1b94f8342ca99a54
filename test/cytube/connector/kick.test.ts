import { expect } from 'chai';
import type { NatsConnection } from '../../../contract/nats.js';
import { decodeJson, encodeJson } from '../../../contract/envelope.js';
import { request } from '../../../contract/request.js';
import { subjects } from '../../../contract/subjects.js';
import type { RunningTree } from '../../../supervisors/run-tree.js';
import { connectorIn, connectorState, cytubeSpec } from '../../support/cytube-connector.js';
import { fakeClient, type FakeClient } from '../../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube } from '../../support/fake-cytube/index.js';
import { startMiniRosey } from '../../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../../support/nats.js';

const ACCOUNTS = {
  alice: 'alicepass',
  bob: 'bobpass',
  carol: 'carolpass',
  dave: 'davepass',
  testbot: 'botpass123',
};
/** carol has no channel rank: a plain registered user (1). The bot is an admin (3) unless a test lowers it. */
const CHANNELS = { testchan: { ranks: { alice: 5, dave: 3, bob: 2, testbot: 3 } } };

const KICK = subjects.sendKick('cytube');

interface Chat {
  username: string;
  msg: string;
}

describe('cytube connector: send.kick (fake CyTube server, real nats-server)', function () {
  this.timeout(90_000);
  const nats = useNatsServer();
  let cytube: FakeCytube;
  let nc: NatsConnection;
  let rosey: { tree: RunningTree } | undefined;
  const clients: FakeClient[] = [];
  let nextAddress = 20;

  before(async () => {
    nc = await client(nats.url);
  });
  beforeEach(async () => {
    cytube = await startFakeCytube({ accounts: ACCOUNTS, channels: CHANNELS });
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

  /** Each client its own loopback address: the fake applies CyTube's per-IP limits. An empty password joins as a guest. */
  async function join(name: string, password = (ACCOUNTS as Record<string, string>)[name] ?? '') {
    const c = await fakeClient(cytube.baseUrl, 'testchan', {
      name,
      password,
      localAddress: `127.0.78.${nextAddress++}`,
    });
    clients.push(c);
    return c;
  }

  async function startRosey() {
    rosey = await startMiniRosey({
      url: nats.url,
      plugins: [],
      connectors: [cytubeSpec(cytube.baseUrl)],
    });
  }

  const kick = (payload: unknown) => request(nc, KICK, payload, { timeoutMs: 2000 });

  /** What the bot sent as chat lines (a kick is one: `/kick name reason`). */
  const botChat = () =>
    cytube.log
      .filter((e) => e.dir === 'out' && e.event === 'chatMsg' && e.user?.toLowerCase() === 'testbot')
      .map((e) => (e.data as { msg: string }).msg);

  const inChannel = () =>
    cytube
      .channel('testchan')
      .users()
      .map((u) => u.name)
      .sort();

  /** The connector sees everyone who joined (and, with `names`, at least those). */
  const readyWith = (...names: string[]) =>
    connectorIn(nc, 'ready', (s) => names.every((n) => s.users.some((u) => u.name === n)));

  it('kicks a registered user and a guest: answers with the name, CyTube disconnects them, the channel state drops them', async () => {
    const alice = await join('alice');
    const carol = await join('carol');
    const visitor = await join('visitor', '');
    const leaves: unknown[] = [];
    const sub = nc.subscribe(subjects.channelEvent('user.leave'), {
      callback: (_e, msg) => {
        const d = decodeJson(msg.data);
        if (d.ok) leaves.push(d.data);
      },
    });
    await nc.flush();
    await startRosey();
    const before = await readyWith('carol', 'visitor');
    expect(before.rank).to.equal(3);
    expect(before.users.find((u) => u.name === 'visitor')?.rank).to.equal(0);

    // The name is matched case-insensitively and answered as CyTube spells it; the reason is one line.
    const first = await kick({ channel: 'testchan', user: 'CAROL', reason: '  too   loud\n now ' });
    expect(first).to.deep.equal({ ok: true, data: { kicked: 'carol' } });
    expect(await carol.waitFor<{ reason: string }>('kick', undefined, 5000)).to.deep.equal({
      reason: 'too loud now',
    });
    await carol.waitFor('@disconnect', undefined, 5000);
    await alice.waitFor<{ name: string }>('userLeave', (d) => d.name === 'carol', 5000);
    await connectorIn(nc, 'ready', (s) => !s.users.some((u) => u.name === 'carol'));

    const second = await kick({ user: 'visitor' });
    expect(second).to.deep.equal({ ok: true, data: { kicked: 'visitor' } });
    expect(await visitor.waitFor<{ reason: string }>('kick', undefined, 5000)).to.deep.equal({ reason: '' });
    const after = await connectorIn(nc, 'ready', (s) => !s.users.some((u) => u.name === 'visitor'));
    expect(after.users.map((u) => u.name).sort()).to.deep.equal(['alice', 'testbot']);
    expect(inChannel()).to.deep.equal(['alice', 'testbot']);

    expect(botChat()).to.deep.equal(['/kick carol too loud now', '/kick visitor']);
    // CyTube runs the command: nobody sees it as chat, and the moderators are told who kicked.
    expect(alice.received<Chat>('chatMsg').filter((m) => m.username === 'testbot')).to.deep.equal([]);
    expect(
      alice
        .received<Chat>('chatMsg')
        .filter((m) => m.username === '[server]' && / kicked /.test(m.msg))
        .map((m) => m.msg),
    ).to.deep.equal(['testbot kicked carol', 'testbot kicked visitor']);
    await eventually(() => leaves.length === 2, 'both leave events');
    sub.unsubscribe();
    expect(leaves.map((l) => (l as { user: string }).user)).to.deep.equal(['carol', 'visitor']);
    expect(after.counters).to.deep.include({ sent: 2, failed: 0, refused: 0, dropped: 0 });
  });

  it('refuses without the kick permission, and follows the channel changing it', async () => {
    cytube.channel('testchan').setRank('testbot', 1);
    await join('alice');
    const carol = await join('carol');
    const visitor = await join('visitor', '');
    await startRosey();
    await readyWith('carol', 'visitor');

    const denied = await kick({ user: 'visitor' });
    expect(denied).to.deep.equal({
      ok: false,
      error: {
        code: 'FORBIDDEN',
        message: `the bot's rank 1 is below 1.5, which the channel requires for "kick"`,
      },
    });

    // The channel lets registered users kick: a guest can go now, but an equal (carol) cannot.
    cytube.channel('testchan').setPermissions({ kick: 1 });
    await connectorIn(nc, 'ready', (s) => s.permissions.kick === 1);
    expect(await kick({ user: 'carol' })).to.deep.equal({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'carol has rank 1; the bot (rank 1) cannot kick them' },
    });
    expect(await kick({ user: 'visitor', reason: 'bye' })).to.deep.equal({
      ok: true,
      data: { kicked: 'visitor' },
    });
    expect(await visitor.waitFor<{ reason: string }>('kick', undefined, 5000)).to.deep.equal({
      reason: 'bye',
    });
    await connectorIn(nc, 'ready', (s) => !s.users.some((u) => u.name === 'visitor'));

    expect(botChat()).to.deep.equal(['/kick visitor bye']);
    expect(carol.received('kick')).to.deep.equal([]);
    expect(inChannel()).to.deep.equal(['alice', 'carol', 'testbot']);
    expect((await connectorState(nc)).counters).to.deep.include({ refused: 2, sent: 1 });
  });

  it('an admin bot is refused once the channel raises kick above its rank', async () => {
    await join('carol');
    await startRosey();
    await readyWith('carol');
    cytube.channel('testchan').setPermissions({ kick: 4 });
    await connectorIn(nc, 'ready', (s) => s.permissions.kick === 4);
    expect(await kick({ user: 'carol' })).to.deep.equal({
      ok: false,
      error: {
        code: 'FORBIDDEN',
        message: `the bot's rank 3 is below 4, which the channel requires for "kick"`,
      },
    });
    expect(botChat()).to.deep.equal([]);
    expect(inChannel()).to.deep.equal(['carol', 'testbot']);
  });

  it('refuses an absent user, itself, and anyone ranked as high or higher, sending nothing', async () => {
    await join('alice');
    await join('bob');
    await join('dave');
    await startRosey();
    await readyWith('alice', 'bob', 'dave');

    expect(await kick({ user: 'nobody', reason: 'x' })).to.deep.equal({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'nobody is not in testchan' },
    });
    expect(await kick({ user: 'TestBot' })).to.deep.equal({
      ok: false,
      error: { code: 'VALIDATION_ERROR', message: 'the bot cannot kick itself' },
    });
    expect(await kick({ user: 'dave' })).to.deep.equal({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'dave has rank 3; the bot (rank 3) cannot kick them' },
    });
    expect(await kick({ user: 'alice' })).to.deep.equal({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'alice has rank 5; the bot (rank 3) cannot kick them' },
    });
    // The connector follows rank changes: bob (a moderator) promoted to the bot's own rank.
    cytube.channel('testchan').setRank('bob', 3);
    await connectorIn(nc, 'ready', (s) => s.users.some((u) => u.name === 'bob' && u.rank === 3));
    expect(await kick({ user: 'bob' })).to.deep.equal({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'bob has rank 3; the bot (rank 3) cannot kick them' },
    });

    expect(botChat()).to.deep.equal([]);
    expect(inChannel()).to.deep.equal(['alice', 'bob', 'dave', 'testbot']);
    const s = await connectorState(nc);
    expect(s.state).to.equal('ready');
    expect(s.counters).to.deep.include({ sent: 0, refused: 3, dropped: 0 });
  });

  it('refuses while the bot is muted, instead of answering ok for a line that is never sent', async () => {
    cytube.channel('testchan').setRank('testbot', 2);
    const alice = await join('alice');
    await join('carol');
    await startRosey();
    await readyWith('carol');
    alice.say('/mute testbot');
    await connectorIn(nc, 'ready', (s) => s.users.some((u) => u.name === 'testbot' && u.muted));
    expect(await kick({ user: 'carol' })).to.deep.equal({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'the bot is muted in this channel' },
    });
    expect(botChat()).to.deep.equal([]);
    expect(inChannel()).to.include('carol');
  });

  it('answers malformed requests with VALIDATION_ERROR and sends nothing', async () => {
    const carol = await join('carol');
    const visitor = await join('visitor', '');
    await startRosey();
    await readyWith('carol', 'visitor');

    const cases: Array<[unknown, string]> = [
      [{ user: '' }, 'user: Too small: expected string to have >=1 characters'],
      [{}, 'user: Invalid input: expected string, received undefined'],
      [{ user: 5 }, 'user: Invalid input: expected string, received number'],
      [{ user: 'carol', extra: true }, 'Unrecognized key: "extra"'],
      [
        { user: 'carol', reason: 'x'.repeat(201) },
        'reason: Too big: expected string to have <=200 characters',
      ],
      [{ user: 'carol', channel: 'elsewhere' }, 'this connector is in channel testchan, not elsewhere'],
    ];
    for (const [payload, message] of cases)
      expect(await kick(payload), JSON.stringify(payload)).to.deep.equal({
        ok: false,
        error: { code: 'VALIDATION_ERROR', message },
      });
    const notJson = await nc.request(KICK, new TextEncoder().encode('{nope'), { timeout: 2000 });
    const decoded = decodeJson(notJson.data);
    expect(decoded.ok && (decoded.data as { ok: boolean; error: { code: string } }).error.code).to.equal(
      'INVALID_JSON',
    );

    // A kick is a request: published without a reply subject, it is ignored, not carried out.
    nc.publish(KICK, encodeJson({ user: 'carol', reason: 'unasked' }));
    await nc.flush();
    // A kick after it, answered and carried out, shows the connector got that far in order.
    expect(await kick({ user: 'visitor' })).to.deep.equal({ ok: true, data: { kicked: 'visitor' } });
    await visitor.waitFor('kick', undefined, 5000);
    await connectorIn(nc, 'ready', (s) => !s.users.some((u) => u.name === 'visitor'));

    expect(botChat()).to.deep.equal(['/kick visitor']);
    expect(carol.received('kick')).to.deep.equal([]);
    expect(inChannel()).to.deep.equal(['carol', 'testbot']);
    expect((await connectorState(nc)).counters).to.deep.include({ sent: 1, refused: 0 });
  });

  it('refuses while the bot is not in the channel, saying why', async () => {
    await join('carol');
    await startRosey();
    await readyWith('carol');
    await cytube.stop();
    await connectorIn(nc, 'backing-off');
    const away = await kick({ user: 'carol' });
    expect(!away.ok && away.error.code).to.equal('BUS_UNAVAILABLE');
    // It may be between retries or already trying again.
    expect(!away.ok && away.error.message).to.match(
      /^not in testchan right now \((backing-off|discovering|connecting|joining)\): try again once the bot is back$/,
    );
    expect(botChat()).to.deep.equal([]);
  });

  it('refuses once the connector has halted (the bot itself was kicked)', async () => {
    await join('carol');
    await startRosey();
    await readyWith('carol');
    expect(cytube.channel('testchan').kick('testbot', 'bye now')).to.equal(true);
    await connectorIn(nc, 'halted');
    expect(await kick({ user: 'carol' })).to.deep.equal({
      ok: false,
      error: {
        code: 'BUS_UNAVAILABLE',
        message: 'the CyTube connector has stopped: kicked from testchan: bye now',
      },
    });
    expect(botChat()).to.deep.equal([]);
    expect(inChannel()).to.deep.equal(['carol']);
  });
});
