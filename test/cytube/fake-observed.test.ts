/**
 * The fake CyTube against what the second probe of a real CyTube 3.86.0 saw (protocol doc,
 * "Observed on a real CyTube 3.86.0"; issue 21). There are no recordings of these, so each test
 * holds the fake to the doc's words and, where the doc says "the whole join burst", to the
 * recorded join of 02-registered-join.jsonl.
 */
import { expect } from 'chai';
import { transcript, received } from './connector/transcripts.js';
import { fakeClient, type FakeClient } from '../support/fake-cytube/client.js';
import {
  CYTUBE_CONNECT_RATE,
  IP_TEXT,
  startFakeCytube,
  type FakeCytube,
  type FakeCytubeOptions,
} from '../support/fake-cytube/index.js';

const ACCOUNTS = { alice: 'alicepass1', testbot: 'botpass123' };

describe('fake CyTube: what a real CyTube 3.86.0 did in the second probe', function () {
  this.timeout(30_000);
  let cytube: FakeCytube;
  const clients: FakeClient[] = [];
  let next = 10;

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await cytube.stop();
  });

  async function start(options: FakeCytubeOptions = {}) {
    cytube = await startFakeCytube({
      accounts: ACCOUNTS,
      channels: { testchan: { ranks: { alice: 5 } } },
      ...options,
    });
  }

  async function join(name: string, password = (ACCOUNTS as Record<string, string>)[name] ?? '') {
    const c = await fakeClient(cytube.baseUrl, 'testchan', {
      name,
      password,
      localAddress: `127.0.22.${next++}`,
    });
    clients.push(c);
    return c;
  }

  /** A socket that joins and logs in without waiting for a successful answer. */
  async function attempt(name: string, password?: string, localAddress = `127.0.22.${next++}`) {
    const c = await fakeClient(cytube.baseUrl, 'testchan', { join: false, localAddress });
    clients.push(c);
    c.emit('joinChannel', { name: 'testchan' });
    c.emit('login', password ? { name, pw: password } : { name });
    return c;
  }

  const names = (c: FakeClient) =>
    c.events.map((e) => e.event).filter((e) => e !== 'usercount' && e !== '@connect');

  it('history replay: a registered channel replays old lines, with their old time, to every join, after a restart too', async () => {
    const old = { username: 'testbot', msg: 'e2e1 rolled 1d6: 4 = 4', meta: {}, time: 1_700_000_000_000 };
    await start({ channels: { testchan: { ranks: { alice: 5 }, history: [old] } } });
    await cytube.restart();
    const viewer = await join('lateguest', '');
    expect(viewer.received('chatMsg')).to.deep.equal([old]);
    // Replayed before the join burst's userlist, as recorded in 12.
    expect(names(viewer).indexOf('chatMsg')).to.be.below(names(viewer).indexOf('userlist'));
  });

  it('a guest name held by another session: "That name is already in use on this channel."', async () => {
    await start();
    await join('someguest', '');
    const second = await attempt('someguest');
    expect(await second.waitFor('login')).to.deep.equal({
      success: false,
      error: 'That name is already in use on this channel.',
    });
  });

  it('a ban while present: only kick "You\'re banned!" reaches the user, then a server disconnect; moderators see who banned', async () => {
    await start();
    const alice = await join('alice');
    const bot = await join('testbot');
    alice.mark();
    bot.mark();
    cytube.channel('testchan').ban('testbot');
    await bot.waitFor('@disconnect');
    expect(bot.events.slice(-2).map((e) => [e.event, e.data])).to.deep.equal([
      ['kick', { reason: "You're banned!" }],
      ['@disconnect', 'io server disconnect'],
    ]);
    const whisper = await alice.waitFor<{ username: string; msg: string }>('chatMsg');
    expect([whisper.username, whisper.msg]).to.deep.equal(['[server]', 'alice namebanned testbot']);
  });

  it('rejoining while name-banned: the login and the whole recorded join burst (02), then the kick', async () => {
    await start({ channels: { testchan: { ranks: { alice: 5 }, bans: ['testbot'] } } });
    await join('alice');
    const bot = await attempt('testbot', 'botpass123');
    await bot.waitFor('@disconnect', undefined, 5000);
    const recorded = received(transcript('02-registered-join.jsonl'), 'bot')
      .map((l) => l.event)
      .filter((e) => e !== 'usercount');
    expect(names(bot)).to.deep.equal([...recorded, 'kick', '@disconnect']);
    expect(bot.received('kick')).to.deep.equal([{ reason: 'You are banned from this channel.' }]);
  });

  it('connection rate limit: the 6th quick connect from one IP gets connect_error "Rate limit exceeded"; another IP does not', async () => {
    await start({ connectRate: CYTUBE_CONNECT_RATE });
    for (let i = 0; i < CYTUBE_CONNECT_RATE.burst; i++) {
      const c = await fakeClient(cytube.baseUrl, 'testchan', { join: false, localAddress: '127.0.22.200' });
      await c.close();
    }
    let refused: unknown;
    try {
      await fakeClient(cytube.baseUrl, 'testchan', { join: false, localAddress: '127.0.22.200' });
    } catch (error) {
      refused = error;
    }
    expect((refused as Error).message).to.equal(IP_TEXT.rateLimited);
    clients.push(await fakeClient(cytube.baseUrl, 'testchan', { join: false, localAddress: '127.0.22.201' }));
  });

  it('too many connections from one IP: the next socket is kicked with that reason and disconnected', async () => {
    await start({ ipConnectionLimit: 2 });
    for (let i = 0; i < 2; i++)
      clients.push(
        await fakeClient(cytube.baseUrl, 'testchan', { join: false, localAddress: '127.0.22.210' }),
      );
    const third = await fakeClient(cytube.baseUrl, 'testchan', { join: false, localAddress: '127.0.22.210' });
    clients.push(third);
    await third.waitFor('@disconnect');
    expect(third.events.slice(-2).map((e) => [e.event, e.data])).to.deep.equal([
      ['kick', { reason: 'Too many connections from your IP address' }],
      ['@disconnect', 'io server disconnect'],
    ]);
  });

  it('a server-wide IP ban: connect_error "You are banned from the server"', async () => {
    await start({ bannedIps: ['127.0.22.220'] });
    let refused: unknown;
    try {
      await fakeClient(cytube.baseUrl, 'testchan', { join: false, localAddress: '127.0.22.220' });
    } catch (error) {
      refused = error;
    }
    expect((refused as Error).message).to.equal('You are banned from the server');
  });

  it('rank settling: an account hears rank 1 with its login and its channel rank only after it', async () => {
    await start({ channels: { testchan: { ranks: { alice: 5, testbot: 2 } } } });
    const bot = await join('testbot');
    const ranks = bot.events.filter((e) => ['rank', 'login', 'setUserRank'].includes(e.event));
    expect(ranks.map((e) => [e.event, e.data])).to.deep.equal([
      ['rank', -1],
      ['rank', 1],
      ['login', { success: true, name: 'testbot' }],
      ['rank', 2],
      ['setUserRank', { name: 'testbot', rank: 2 }],
    ]);
    // The channel rank comes on a timer of its own, not with the login (~10 ms later on 3.86.0).
    const login = cytube.log.find((e) => e.event === 'login' && e.dir === 'in')!;
    const settled = cytube.log.find((e) => e.event === 'rank' && e.data === 2)!;
    expect(cytube.log.indexOf(settled)).to.be.above(cytube.log.indexOf(login));
  });
});
