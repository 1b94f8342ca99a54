/** The fake CyTube's test-facing API: restart, server-side controls, options the recordings do not cover. */
import { get } from 'node:http';
import { expect } from 'chai';
import { io } from 'socket.io-client';
import { fakeClient, type FakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube } from '../support/fake-cytube/index.js';

function getJson(url: string): Promise<{ status: number | undefined; body: unknown }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(body) as unknown }));
    }).on('error', reject);
  });
}

describe('fake CyTube API', function () {
  this.timeout(20_000);
  let fake: FakeCytube;
  const open: FakeClient[] = [];
  const client = async (...args: Parameters<typeof fakeClient>) => {
    const c = await fakeClient(...args);
    open.push(c);
    return c;
  };

  beforeEach(async () => {
    fake = await startFakeCytube({
      accounts: { alice: 'alicepass1', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 5 } }, locked: { password: 'pw' } },
      media: { 'yt:abc': { title: 'A song', seconds: 212 } },
    });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await fake.stop();
  });

  it('serves socketconfig for valid names and 404 for invalid ones', async () => {
    expect(await getJson(`${fake.baseUrl}/socketconfig/anything.json`)).to.deep.equal({
      status: 200,
      body: { servers: [{ url: fake.baseUrl, secure: false }] },
    });
    expect(await getJson(`${fake.baseUrl}/socketconfig/bad%20name!.json`)).to.deep.equal({
      status: 404,
      body: { error: 'Channel "bad name!" does not exist.' },
    });
  });

  it('stop() looks like a network failure, and restart() keeps the registered channel', async () => {
    const alice = await client(fake.baseUrl, 'testchan', { name: 'alice', password: 'alicepass1' });
    alice.say('remember me');
    await alice.waitFor('chatMsg');
    fake.channel('testchan').setOptions({ chat_antiflood: true });
    expect(fake.connections()).to.equal(1);

    const port = fake.port;
    await fake.restart();
    expect(fake.port).to.equal(port);
    expect(await alice.waitFor('@disconnect')).to.equal('transport close');
    expect(fake.connections()).to.equal(0);

    const again = await client(fake.baseUrl, 'testchan', { name: 'alice', password: 'alicepass1' });
    expect(again.received<{ msg: string }>('chatMsg').map((m) => m.msg)).to.include('remember me');
    expect(again.received<{ chat_antiflood: boolean }>('channelOpts')[0]?.chat_antiflood).to.equal(true);
    expect(fake.channel('testchan').users()).to.deep.equal([
      { name: 'alice', rank: 5, afk: false, muted: false },
    ]);
  });

  it('a reconnecting socket.io client comes back after restart()', async () => {
    const socket = io(fake.baseUrl, {
      transports: ['websocket'],
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
    });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    await fake.restart();
    const reason = await new Promise((r) => socket.once('disconnect', r));
    expect(reason).to.equal('transport close');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    expect(fake.connections()).to.equal(1);
    socket.close();
  });

  it('setRank() and kick() act like the founder', async () => {
    const alice = await client(fake.baseUrl, 'testchan', { name: 'alice', password: 'alicepass1' });
    const bot = await client(fake.baseUrl, 'testchan', { name: 'testbot', password: 'botpass123' });
    await alice.waitFor('setUserRank', (d: { name: string }) => d.name === 'testbot');
    fake.channel('testchan').setRank('testbot', 2);
    await bot.waitFor('userlist');
    expect(await bot.waitFor('rank')).to.equal(2);
    expect(await alice.waitFor('setUserRank', (d: { name: string }) => d.name === 'testbot')).to.deep.equal({
      name: 'testbot',
      rank: 2,
    });
    expect(() => fake.channel('testchan').setRank('nobody', 2)).to.throw(/not a registered account/);

    expect(fake.channel('testchan').kick('testbot', 'go away')).to.equal(true);
    expect(await bot.waitFor('kick')).to.deep.equal({ reason: 'go away' });
    expect(await bot.waitFor('@disconnect')).to.equal('io server disconnect');
    expect(await alice.waitFor('userLeave')).to.deep.equal({ name: 'testbot' });
  });

  it('queues registered media and rate-limits a user’s playlist adds', async () => {
    const bot = await client(fake.baseUrl, 'testchan', { name: 'testbot', password: 'botpass123' });
    fake.channel('testchan').setPlaylistLocked(false);
    await bot.waitFor('setPlaylistLocked');
    bot.emit('queue', { id: 'abc', type: 'yt', pos: 'end', temp: true });
    const queued = await bot.waitFor<{ item: { media: { title: string; seconds: number } } }>('queue');
    expect(queued.item.media).to.include({ title: 'A song', seconds: 212 });
    expect(await bot.waitFor('changeMedia')).to.include({ id: 'abc', currentTime: 0 });
    expect(fake.channel('testchan').playlist).to.have.length(1);

    for (let i = 0; i < 4; i++)
      bot.emit('queue', { id: `https://example.com/${i}.mp4`, type: 'fi', pos: 'end' });
    const fails = [];
    for (let i = 0; i < 4; i++) fails.push(await bot.waitFor<{ msg: string }>('queueFail'));
    // Rank 1 may not add raw files (playlistaddrawfile 2); the 4th attempt is over the 3-add burst.
    expect(fails.map((f) => f.msg)).to.deep.equal([
      "You don't have permission to add raw video files",
      "You don't have permission to add raw video files",
      'You are adding videos too quickly',
      'You are adding videos too quickly',
    ]);
  });

  it('restricts guest logins per IP when a delay is configured', async () => {
    const slow = await startFakeCytube({ guestLoginDelaySec: 60 });
    try {
      const first = await fakeClient(slow.baseUrl, 'room', { name: 'g1', localAddress: '127.0.99.10' });
      const second = await fakeClient(slow.baseUrl, 'room', { join: false, localAddress: '127.0.99.10' });
      second.emit('joinChannel', { name: 'room' });
      second.emit('login', { name: 'g2' });
      expect(await second.waitFor('login')).to.deep.equal({
        success: false,
        error: 'Guest logins are restricted to one per IP address per 60 seconds.',
      });
      const other = await fakeClient(slow.baseUrl, 'room', { name: 'g3', localAddress: '127.0.99.11' });
      expect(
        slow
          .channel('room')
          .users()
          .map((u) => u.name),
      ).to.deep.equal(['g1', 'g3']);
      await Promise.all([first.close(), second.close(), other.close()]);
    } finally {
      await slow.stop();
    }
  });

  it('asks for a configured channel password and records chat as users see it', async () => {
    const raw = await client(fake.baseUrl, 'locked', { join: false });
    raw.emit('joinChannel', { name: 'locked' });
    expect(await raw.waitFor('needPassword')).to.equal(false);
    raw.emit('channelPassword', 'pw');
    await raw.waitFor('cancelNeedPassword');
    await raw.waitFor('userlist');

    const ok = await client(fake.baseUrl, 'locked', { name: 'talker', channelPassword: 'pw' });
    ok.say('<b>hi</b>');
    await ok.waitFor('chatMsg');
    expect(fake.channel('locked').chat.map((c) => [c.username, c.msg])).to.deep.equal([
      ['talker', '&lt;b&gt;hi&lt;/b&gt;'],
    ]);
  });
});
