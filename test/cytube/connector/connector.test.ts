import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '../../../contract/nats.js';
import type { z } from '../../../contract/zod.js';
import { decodeJson, encodeJson } from '../../../contract/envelope.js';
import {
  mediaChangeSchema,
  playlistAddSchema,
  userJoinSchema,
  userLeaveSchema,
  userListSchema,
  userRankSchema,
} from '../../../contract/messages/channel-events.js';
import { request } from '../../../contract/request.js';
import type { ChatMessage } from '../../../contract/messages/chat.js';
import type { ChannelJoined } from '../../../contract/messages/handover.js';
import { channelViewSchema } from '../../../contract/messages/actions.js';
import { subjects } from '../../../contract/subjects.js';
import type { RunningTree } from '../../../supervisors/run-tree.js';
import {
  connectorActivity,
  connectorIn,
  connectorState,
  cytubeSpec,
} from '../../support/cytube-connector.js';
import { fakeClient, type FakeClient } from '../../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube } from '../../support/fake-cytube/index.js';
import { startMiniRosey } from '../../support/mini-rosey.js';
import { client, eventually, useNatsServer } from '../../support/nats.js';

const DICE = fileURLToPath(new URL('../../../plugins/dice', import.meta.url));
const ACCOUNTS = { alice: 'alicepass', testbot: 'botpass123' };
const CHANNELS = { testchan: { ranks: { alice: 5, testbot: 1 } } };

interface Chat {
  username: string;
  msg: string;
}

/**
 * A halted connector that cannot come back by itself: the same incarnation (no restart), with no
 * socket, no discovery and no timer left, only its bus bridge (which answers requests) and the
 * publisher of chat lines for the router (idle: it only ever publishes on the bus).
 */
const HALTED_FOR_GOOD = {
  status: 'active',
  state: 'halted',
  restarts: 0,
  children: ['bus', 'delivery'],
  timers: [],
};

describe('cytube connector (fake CyTube server, real nats-server, router and dice plugin)', function () {
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

  /** Each client its own loopback address: the fake applies CyTube's per-IP limits. */
  async function join(name: string, o: { password?: string; channel?: string } = {}) {
    const c = await fakeClient(cytube.baseUrl, o.channel ?? 'testchan', {
      name,
      password: o.password ?? (ACCOUNTS as Record<string, string>)[name],
      localAddress: `127.0.77.${nextAddress++}`,
    });
    clients.push(c);
    return c;
  }

  async function startRosey(overrides: Parameters<typeof cytubeSpec>[1] = {}, plugins = true) {
    rosey = await startMiniRosey({
      url: nats.url,
      plugins: plugins ? ['dice'] : [],
      dirs: { dice: DICE },
      connectors: [cytubeSpec(cytube.baseUrl, overrides)],
    });
  }

  /** Every normalised message on the bus, from now on. */
  function recordMessages(subject: string = subjects.message) {
    const seen: ChatMessage[] = [];
    const sub = nc.subscribe(subject, {
      callback: (_e, msg) => {
        const d = decodeJson(msg.data);
        if (d.ok) seen.push(d.data as ChatMessage);
      },
    });
    return { seen, stop: () => sub.unsubscribe(), flush: () => nc.flush() };
  }

  const botEmits = (event: string) =>
    cytube.log.filter((e) => e.dir === 'out' && e.event === event && e.user?.toLowerCase() === 'testbot');

  it('logs in as a registered user and tracks the userlist with ranks', async () => {
    await join('alice');
    await startRosey({}, false);
    const s = await connectorIn(nc, 'ready');
    expect(s.user).to.equal('testbot');
    expect(s.guest).to.equal(false);
    expect(s.rank).to.equal(1);
    expect(s.users.map((u) => [u.name, u.rank]).sort()).to.deep.equal([
      ['alice', 5],
      ['testbot', 1],
    ]);
  });

  it('joins as a guest when there is no password', async () => {
    await startRosey({ channel: 'freechan', username: 'guestbot', password: undefined }, false);
    const s = await connectorIn(nc, 'ready');
    expect(s.guest).to.equal(true);
    expect(s.rank).to.equal(0);
  });

  it('a wrong password halts with the reason and does not retry', async () => {
    await startRosey({ password: 'wrong' }, false);
    const s = await connectorIn(nc, 'halted');
    expect(s.reason).to.match(/refused the login for "testbot".*Invalid username\/password/);
    // It closes its socket and keeps nothing that could try again: no waiting to see that it does not.
    await eventually(() => cytube.connections() === 0, 'the bot to close its socket');
    expect(connectorActivity(rosey!.tree)).to.deep.equal(HALTED_FOR_GOOD);
    expect(
      botEmits('login').length + cytube.log.filter((e) => e.dir === 'out' && e.event === 'login').length,
    ).to.be.at.most(2);
    expect(cytube.log.filter((e) => e.dir === 'out' && e.event === 'login')).to.have.length(1);
    expect(cytube.connections()).to.equal(0);
  });

  it('a registered name used as a guest halts with a hint', async () => {
    await startRosey({ password: undefined }, false);
    const s = await connectorIn(nc, 'halted');
    expect(s.reason).to.match(/belongs to a registered account: set platforms.cytube.password/);
  });

  it('never treats the history replay as new chat', async () => {
    const alice = await join('alice');
    alice.say('!roll 1d6 (old)');
    alice.say('old news');
    await alice.waitFor<Chat>('chatMsg', (m) => m.msg === 'old news');
    const messages = recordMessages();
    // …but it is announced, on joining, for a node that takes the channel over (SCALING.md).
    const joined = recordMessages(subjects.platformJoined('cytube'));
    await messages.flush();
    await startRosey();
    await connectorIn(nc, 'ready');
    alice.say('fresh');
    await eventually(() => messages.seen.find((m) => m.text === 'fresh'), 'the fresh line');
    messages.stop();
    joined.stop();
    expect(messages.seen.map((m) => m.text)).to.deep.equal(['fresh']);
    // The old !roll was not answered either.
    expect(botEmits('chatMsg')).to.deep.equal([]);
    const announced = joined.seen as unknown as ChannelJoined[];
    expect(announced).to.have.length(1);
    const old = cytube.channel('testchan').history.filter((l) => l.username === 'alice' && l.msg !== 'fresh');
    expect(announced[0]!.history.map((m) => [m.user, m.text, m.time, m.platform, m.channel])).to.deep.equal(
      old.map((l) => ['alice', l.msg, l.time, 'cytube', 'testchan']),
    );
  });

  it('chat → !roll → reply round trip through the router and the dice plugin', async () => {
    const alice = await join('alice');
    await startRosey();
    await connectorIn(nc, 'ready');
    alice.say('!roll 2d6');
    const reply = await alice.waitFor<Chat>('chatMsg', (m) => m.username === 'testbot', 10_000);
    expect(reply.msg).to.match(/^alice rolled 2d6: \d, \d = \d+$/);
  });

  it('a normalised message carries plain text, the HTML, the rank, and the /me flag', async () => {
    const alice = await join('alice');
    const messages = recordMessages();
    await messages.flush();
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    alice.say('<b>hi</b> & see https://example.com/x?a=1&b=2');
    alice.say('/me waves');
    const first = await eventually(
      () => messages.seen.find((m) => m.text.startsWith('<b>')),
      'the first line',
    );
    const action = await eventually(() => messages.seen.find((m) => m.action), 'the action');
    messages.stop();
    expect(first).to.deep.include({
      platform: 'cytube',
      channel: 'testchan',
      user: 'alice',
      rank: 5,
      text: '<b>hi</b> & see https://example.com/x?a=1&b=2',
    });
    expect(first.html).to.include('&lt;b&gt;').and.include('<a href=');
    expect(action.text).to.equal('waves');
  });

  it('PM round trip: a command in a PM is answered by PM', async () => {
    const alice = await join('alice');
    await startRosey();
    await connectorIn(nc, 'ready');
    alice.pm('testbot', '!roll 1d6');
    const reply = await alice.waitFor<Chat & { to: string }>('pm', (m) => m.username === 'testbot', 10_000);
    expect(reply.msg).to.match(/^alice rolled 1d6: \d = \d$/);
    expect(reply.to).to.equal('alice');
    expect(botEmits('chatMsg')).to.deep.equal([]);
  });

  it('tracks joins, leaves and rank changes, and publishes them normalised', async () => {
    const alice = await join('alice');
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    const events: Array<{ subject: string; data: Record<string, unknown> }> = [];
    const sub = nc.subscribe('rosey.events.user.>', {
      callback: (_e, msg) => {
        const d = decodeJson(msg.data);
        if (d.ok) events.push({ subject: msg.subject, data: d.data as Record<string, unknown> });
      },
    });
    await nc.flush();
    const guest = await join('visitor', { password: '' });
    await connectorIn(nc, 'ready', (s) => s.users.some((u) => u.name === 'visitor'));
    cytube.channel('testchan').setRank('testbot', 2);
    await connectorIn(nc, 'ready', (s) => s.rank === 2);
    await guest.close();
    await connectorIn(nc, 'ready', (s) => !s.users.some((u) => u.name === 'visitor'));
    await eventually(() => events.some((e) => e.subject.endsWith('leave')), 'the leave event');
    sub.unsubscribe();
    expect(events.map((e) => [e.subject, e.data.user])).to.deep.equal([
      ['rosey.events.user.join', 'visitor'],
      ['rosey.events.user.rank', 'testbot'],
      ['rosey.events.user.leave', 'visitor'],
    ]);
    expect(events[1]!.data).to.deep.include({ rank: 2, previous: 1, platform: 'cytube' });
    // The payloads are the documented contract (contract/messages/channel-events.ts), field for field.
    const contract: Record<string, z.ZodObject> = {
      'rosey.events.user.join': userJoinSchema.strict(),
      'rosey.events.user.rank': userRankSchema.strict(),
      'rosey.events.user.leave': userLeaveSchema.strict(),
    };
    for (const e of events) expect(contract[e.subject]!.safeParse(e.data).success, e.subject).to.equal(true);
    void alice;
  });

  it('publishes who was in the channel when it came, without itself: once, and again after a reconnect', async () => {
    const alice = await join('alice');
    const lists: Array<Record<string, unknown>> = [];
    const ranks: unknown[] = [];
    const sub = nc.subscribe('rosey.events.user.>', {
      callback: (_e, msg) => {
        const d = decodeJson(msg.data);
        if (!d.ok) return;
        if (msg.subject === 'rosey.events.user.list') lists.push(d.data as Record<string, unknown>);
        if (msg.subject === 'rosey.events.user.rank') ranks.push(d.data);
      },
    });
    await nc.flush();
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    await eventually(() => lists.length === 1, 'the list of who was here');
    expect(userListSchema.strict().safeParse(lists[0]).success).to.equal(true);
    expect(lists[0]!.users).to.deep.equal([{ user: 'alice', rank: 5 }]);
    // CyTube resends the whole list to the bot when its rank changes: not a new arrival.
    cytube.channel('testchan').setRank('testbot', 2);
    await eventually(() => ranks.length === 1, 'the rank change');
    // The resend (the log names the socket once logged in: the first list came before the login).
    expect(
      cytube.log.filter((e) => e.dir === 'in' && e.event === 'userlist' && e.user === 'testbot'),
    ).to.have.length(1);
    const visitor = await join('visitor', { password: '' });
    await connectorIn(nc, 'ready', (s) => s.users.some((u) => u.name === 'visitor'));
    // Dropped for a while (a temporary refusal backs off, as a lost connection does); meanwhile the
    // visitor leaves and carol comes, unseen. The new session lists who is here now.
    cytube.channel('testchan').kick('testbot', 'Too many connections from your IP address');
    await connectorIn(nc, 'backing-off');
    await visitor.close();
    const carol = await join('carol', { password: '' });
    const rejoin = await request(nc, subjects.platformRejoin('cytube'), {}, { timeoutMs: 2000 });
    expect(rejoin.ok).to.equal(true);
    await eventually(() => lists.length === 2, 'the list after the reconnect');
    await connectorIn(nc, 'ready');
    sub.unsubscribe();
    expect(lists[1]!.users).to.deep.equal([
      { user: 'alice', rank: 5 },
      { user: 'carol', rank: 0 },
    ]);
    void alice;
    void carol;
  });

  // Locks the order bug chat-stats met: chat lines went through the confirmed publisher and channel
  // events through the bus bridge, so a leave could reach the bus before the lines said just
  // before it (the lines waiting for the previous batch's confirmation).
  it("a user's lines and their leave reach the bus in the order they happened", async () => {
    const alice = await join('alice');
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    const order: string[] = [];
    const sub = nc.subscribe('rosey.events.>', {
      callback: (_e, msg) => {
        const d = decodeJson(msg.data);
        if (!d.ok) return;
        const data = d.data as { user?: string; text?: string };
        if (data.user === 'visitor') order.push(msg.subject === subjects.message ? data.text! : msg.subject);
      },
    });
    await nc.flush();
    for (let round = 1; round <= 3; round++) {
      const visitor = await join('visitor', { password: '' });
      await connectorIn(nc, 'ready', (s) => s.users.some((u) => u.name === 'visitor'));
      // Said and gone at once: the leave follows the lines within the same few milliseconds.
      for (let i = 1; i <= 5; i++) visitor.say(`round ${round} line ${i}`);
      await visitor.close();
      await connectorIn(nc, 'ready', (s) => !s.users.some((u) => u.name === 'visitor'));
    }
    await eventually(() => order.filter((e) => e.endsWith('leave')).length === 3, 'three leaves');
    sub.unsubscribe();
    const expected = [1, 2, 3].flatMap((round) => [
      'rosey.events.user.join',
      ...[1, 2, 3, 4, 5].map((i) => `round ${round} line ${i}`),
      'rosey.events.user.leave',
    ]);
    expect(order).to.deep.equal(expected);
    void alice;
  });

  it('joins a channel with a password', async () => {
    await cytube.stop();
    cytube = await startFakeCytube({
      accounts: ACCOUNTS,
      channels: { testchan: { ...CHANNELS.testchan, password: 'door' } },
    });
    await startRosey({ channelPassword: 'door' }, false);
    const s = await connectorIn(nc, 'ready');
    expect(s.options.password).to.equal('[redacted]');
  });

  it('halts when the channel wants a password it was not given (after letting a moderator through)', async () => {
    await cytube.stop();
    cytube = await startFakeCytube({
      accounts: ACCOUNTS,
      channels: { testchan: { ...CHANNELS.testchan, password: 'door' } },
    });
    await startRosey({ passwordGraceMs: 500 }, false);
    const s = await connectorIn(nc, 'halted');
    expect(s.reason).to.equal(
      'channel testchan has a password: set platforms.cytube.channelPassword (or CYTUBE_CHANNEL_PASSWORD)',
    );
  });

  it('a moderator needs no channel password (CyTube lets rank 2 in once it knows the account)', async () => {
    await cytube.stop();
    cytube = await startFakeCytube({
      accounts: ACCOUNTS,
      channels: { testchan: { ranks: { alice: 5, testbot: 2 }, password: 'door' } },
    });
    await startRosey({ passwordGraceMs: 3000 }, false);
    const s = await connectorIn(nc, 'ready');
    expect(s.rank).to.equal(2);
  });

  it('waits out the guest-login delay and logs in', async () => {
    await cytube.stop();
    cytube = await startFakeCytube({ accounts: ACCOUNTS, channels: CHANNELS, guestLoginDelaySec: 5 });
    await startRosey({ channel: 'freechan', username: 'guestbot', password: undefined }, false);
    await connectorIn(nc, 'ready');
    // The server restarts: the bot is back within its backoff (≤ 1.2 s), well inside the 5 s
    // one-guest-login-per-IP window its first login opened, so this login has to wait.
    await cytube.restart();
    const s = await connectorIn(nc, 'ready', (st) => (st.counters.reconnects ?? 0) >= 1, 15_000);
    expect(s.guest).to.equal(true);
    const refusals = cytube.log.filter(
      (e) => e.dir === 'in' && e.event === 'login' && (e.data as { success: boolean }).success === false,
    );
    expect(refusals.map((e) => (e.data as { error: string }).error)).to.deep.equal([
      'Guest logins are restricted to one per IP address per 5 seconds.',
    ]);
    expect(cytube.log.filter((e) => e.dir === 'in' && e.event === 'login')).to.have.length(3);
  });

  it('refuses to chat while muted, and a PM to someone absent, with reasons', async () => {
    const alice = await join('alice');
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    const pm = await request(
      nc,
      subjects.sendPm('cytube'),
      { channel: 'testchan', to: 'nobody', text: 'hi' },
      { timeoutMs: 2000 },
    );
    expect(pm).to.deep.equal({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'nobody is not in testchan' },
    });
    alice.say('/mute testbot');
    await connectorIn(nc, 'ready', (s) => s.users.some((u) => u.name === 'testbot' && u.muted));
    const chat = await request(
      nc,
      subjects.sendChat('cytube'),
      { channel: 'testchan', text: 'hello?' },
      { timeoutMs: 2000 },
    );
    expect(chat).to.deep.equal({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'the bot is muted in this channel' },
    });
    expect(botEmits('chatMsg')).to.deep.equal([]);
  });

  it('never runs a CyTube command from a reply that starts with a slash', async () => {
    const alice = await join('alice');
    cytube.channel('testchan').setRank('testbot', 3);
    await startRosey({}, false);
    await connectorIn(nc, 'ready', (s) => s.rank === 3);
    await request(
      nc,
      subjects.sendChat('cytube'),
      { channel: 'testchan', text: '/kick alice gotcha' },
      { timeoutMs: 2000 },
    );
    const line = await alice.waitFor<Chat>('chatMsg', (m) => m.username === 'testbot', 5000);
    expect(line.msg).to.equal('\u200b/kick alice gotcha');
    expect(
      cytube
        .channel('testchan')
        .users()
        .map((u) => u.name),
    ).to.include('alice');
    expect((await connectorState(nc)).counters).to.deep.include({ sent: 1, failed: 0 });
  });

  it('a kick halts the connector with the reason; it does not come back', async () => {
    await join('alice');
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    expect(cytube.channel('testchan').kick('testbot', 'bye now')).to.equal(true);
    const s = await connectorIn(nc, 'halted');
    expect(s.reason).to.equal('kicked from testchan: bye now');
    await eventually(() => cytube.connections() === 1, 'the kicked socket to close');
    expect(connectorActivity(rosey!.tree)).to.deep.equal(HALTED_FOR_GOOD);
    expect(cytube.connections()).to.equal(1); // alice only
    const refused = await request(
      nc,
      subjects.sendChat('cytube'),
      { channel: 'testchan', text: 'hello?' },
      { timeoutMs: 2000 },
    );
    expect(refused).to.deep.include({ ok: false });
    expect(!refused.ok && refused.error.message).to.match(/has stopped: kicked from testchan/);
  });

  it('a duplicate login halts instead of fighting over the name', async () => {
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    await join('testbot');
    const s = await connectorIn(nc, 'halted');
    expect(s.reason).to.match(/another connection logged in as testbot/);
    await eventually(() => cytube.connections() === 1, 'the replaced socket to close');
    expect(connectorActivity(rosey!.tree)).to.deep.equal(HALTED_FOR_GOOD);
    expect(cytube.connections()).to.equal(1); // the other session only
    expect(cytube.log.filter((e) => e.dir === 'out' && e.event === 'login')).to.have.length(2);
  });

  it('reconnects and rejoins after the server restarts, then answers again', async () => {
    await startRosey();
    await connectorIn(nc, 'ready');
    await cytube.restart();
    clients.splice(0);
    const s = await connectorIn(nc, 'ready', (st) => (st.counters.reconnects ?? 0) >= 1, 15_000);
    expect(s.users.map((u) => u.name)).to.include('testbot');
    const alice = await join('alice');
    alice.say('!roll 1d4');
    const reply = await alice.waitFor<Chat>('chatMsg', (m) => m.username === 'testbot', 10_000);
    expect(reply.msg).to.match(/^alice rolled 1d4: \d = \d$/);
  });

  it('splits a long reply at word boundaries within the chat limit', async () => {
    const alice = await join('alice');
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    const words = Array.from({ length: 100 }, (_, i) => `w${i}x`);
    const result = await request(
      nc,
      subjects.sendChat('cytube'),
      { channel: 'testchan', text: words.join(' ') },
      { timeoutMs: 2000 },
    );
    expect(result).to.deep.equal({ ok: true, data: { parts: 2, truncated: false } });
    await alice.until(
      () => alice.received<Chat>('chatMsg').filter((m) => m.username === 'testbot').length === 2,
      5000,
      'two lines',
    );
    const lines = alice
      .received<Chat>('chatMsg')
      .filter((m) => m.username === 'testbot')
      .map((m) => m.msg);
    for (const l of lines) expect(l.length).to.be.at.most(320);
    expect(lines.join(' ').split(' ')).to.deep.equal(words);
  });

  it('refuses what its rank does not allow, with a reason, without sending it', async () => {
    await join('alice');
    cytube.channel('testchan').setPermissions({ chat: 2 });
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    const chat = await request(
      nc,
      subjects.sendChat('cytube'),
      { channel: 'testchan', text: 'hi' },
      { timeoutMs: 2000 },
    );
    expect(chat).to.deep.equal({
      ok: false,
      error: {
        code: 'FORBIDDEN',
        message: `the bot's rank 1 is below 2, which the channel requires for "chat"`,
      },
    });
    const add = await request(
      nc,
      subjects.sendPlaylist('cytube', 'add'),
      { link: 'https://example.com/v.mp4' },
      { timeoutMs: 2000 },
    );
    expect(!add.ok && add.error.code).to.equal('FORBIDDEN');
    const s = await connectorState(nc);
    expect(s.counters.refused).to.equal(2);
    expect(botEmits('chatMsg')).to.deep.equal([]);
    expect(botEmits('queue')).to.deep.equal([]);
  });

  it('answers bad outbound requests with structured errors', async () => {
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    const cases: Array<[string, unknown, string]> = [
      [subjects.sendChat('cytube'), { channel: 'testchan', text: 5 }, 'VALIDATION_ERROR'],
      [subjects.sendChat('cytube'), { channel: 'elsewhere', text: 'x' }, 'VALIDATION_ERROR'],
      [subjects.sendChat('cytube'), { channel: 'testchan', text: '   ' }, 'VALIDATION_ERROR'],
      [subjects.sendPm('cytube'), { channel: 'testchan', text: 'x' }, 'VALIDATION_ERROR'],
      [subjects.sendPlaylist('cytube', 'add'), {}, 'VALIDATION_ERROR'],
      [subjects.sendPlaylist('cytube', 'add'), { link: 'javascript:alert(1)' }, 'VALIDATION_ERROR'],
      [
        subjects.sendPlaylist('cytube', 'add'),
        { link: 'https://youtu.be/dQw4w9WgXcQ', type: 'yt', id: 'x' },
        'VALIDATION_ERROR',
      ],
      [subjects.sendPlaylist('cytube', 'delete'), { uid: -1 }, 'VALIDATION_ERROR'],
      [subjects.sendPlaylist('cytube', 'move'), { uid: 1 }, 'VALIDATION_ERROR'],
    ];
    for (const [subject, payload, code] of cases) {
      const r = await request(nc, subject, payload, { timeoutMs: 2000 });
      expect(r.ok ? 'ok' : r.error.code, `${subject} ${JSON.stringify(payload)}`).to.equal(code);
    }
    const notJson = await nc.request(subjects.sendChat('cytube'), new TextEncoder().encode('{nope'), {
      timeout: 2000,
    });
    expect(
      (decodeJson(notJson.data) as { ok: true; data: { ok: boolean; error: { code: string } } }).data.error
        .code,
    ).to.equal('INVALID_JSON');
    expect((await connectorState(nc)).state).to.equal('ready');
    expect(botEmits('chatMsg')).to.deep.equal([]);
  });

  it('publishes playlist and media changes in the documented shape', async () => {
    const alice = await join('alice');
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    const seen: Array<{ subject: string; data: unknown }> = [];
    const sub = nc.subscribe('rosey.events.>', {
      callback: (_e, msg) => {
        const d = decodeJson(msg.data);
        if (d.ok && !msg.subject.startsWith('rosey.events.message'))
          seen.push({ subject: msg.subject, data: d.data });
      },
    });
    await nc.flush();
    alice.emit('queue', { id: 'https://example.com/a.mp4', type: 'fi', pos: 'end', temp: true });
    const added = await eventually(
      () => seen.find((e) => e.subject === 'rosey.events.playlist.add'),
      'playlist.add',
    );
    const media = await eventually(
      () => seen.find((e) => e.subject === 'rosey.events.media.change'),
      'media.change',
    );
    sub.unsubscribe();
    expect(playlistAddSchema.strict().parse(added.data)).to.deep.include({
      platform: 'cytube',
      channel: 'testchan',
      after: 'prepend',
    });
    expect(mediaChangeSchema.strict().parse(media.data).media).to.deep.include({
      type: 'fi',
      id: 'https://example.com/a.mp4',
    });
  });

  it("answers a plugin's channel.read with the channel view: users, playlist, what plays; nothing of its own", async () => {
    const alice = await join('alice');
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    alice.emit('queue', { id: 'https://example.com/a.mp4', type: 'fi', pos: 'end', temp: true });
    const view = await eventually(async () => {
      const r = await request(
        nc,
        subjects.platformView('cytube'),
        {},
        { timeoutMs: 2000, reply: channelViewSchema },
      );
      return r.ok && r.data.current !== null ? r.data : undefined;
    }, 'the item playing in the view');
    expect(channelViewSchema.strict().parse(view)).to.deep.include({
      platform: 'cytube',
      channel: 'testchan',
      state: 'ready',
      self: { name: 'testbot', rank: 1 },
      current: view.playlist[0]!.uid,
      playlistLocked: true,
    });
    // Not `muted`: who the moderators muted is not a plugin's business.
    expect(view.users.map((u) => Object.keys(u).sort())).to.deep.equal([
      ['afk', 'name', 'rank'],
      ['afk', 'name', 'rank'],
    ]);
    expect(view.users.map((u) => u.name).sort()).to.deep.equal(['alice', 'testbot']);
    expect(view.playlist.map((i) => [i.media.type, i.media.id, i.queuedBy])).to.deep.equal([
      ['fi', 'https://example.com/a.mp4', 'alice'],
    ]);
    expect(view.media).to.deep.include({ type: 'fi', id: 'https://example.com/a.mp4' });
    const elsewhere = await request(
      nc,
      subjects.platformView('cytube'),
      { channel: 'other' },
      { timeoutMs: 2000 },
    );
    expect(elsewhere).to.deep.equal({
      ok: false,
      error: { code: 'VALIDATION_ERROR', message: 'this connector is in channel testchan, not other' },
    });
    const bad = await request(nc, subjects.platformView('cytube'), { nope: 1 }, { timeoutMs: 2000 });
    expect(!bad.ok && bad.error.code).to.equal('VALIDATION_ERROR');
  });

  it('marks the bot AFK and back with /afk, sending nothing when it already has the status asked', async () => {
    await join('alice');
    await startRosey({}, false);
    await connectorIn(nc, 'ready');
    const afk = (data: Record<string, unknown>) =>
      request(nc, subjects.sendAfk('cytube'), data, { timeoutMs: 5000 });
    const botAfk = () =>
      cytube
        .channel('testchan')
        .users()
        .find((u) => u.name === 'testbot')?.afk;
    expect(await afk({ afk: true })).to.deep.equal({ ok: true, data: { afk: true } });
    await eventually(() => botAfk() === true, 'the bot AFK on the server');
    await connectorIn(nc, 'ready', (s) => s.users.some((u) => u.name === 'testbot' && u.afk));
    // Already AFK: a second /afk would toggle it back, so nothing is sent.
    const sent = (await connectorState(nc)).counters.sent;
    expect(await afk({ afk: true })).to.deep.equal({ ok: true, data: { afk: true } });
    expect((await connectorState(nc)).counters.sent).to.equal(sent);
    expect(await afk({})).to.deep.equal({ ok: true, data: { afk: false } });
    await eventually(() => botAfk() === false, 'the bot back on the server');
    const bad = await afk({ afk: 'yes' });
    expect(!bad.ok && bad.error.code).to.equal('VALIDATION_ERROR');
  });

  it('queues media by link and deletes it, answering from the server broadcast', async () => {
    await join('alice');
    cytube.channel('testchan').setRank('testbot', 2);
    await startRosey({}, false);
    await connectorIn(nc, 'ready', (s) => s.rank === 2);
    const added = await request(
      nc,
      subjects.sendPlaylist('cytube', 'add'),
      { link: 'https://example.com/clip.mp4' },
      { timeoutMs: 6000 },
    );
    expect(added.ok, JSON.stringify(added)).to.equal(true);
    const uid = (added as { data: { uid: number } }).data.uid;
    const s = await connectorState(nc);
    expect(s.playlist.map((i) => [i.uid, i.media.type, i.media.id])).to.deep.equal([
      [uid, 'fi', 'https://example.com/clip.mp4'],
    ]);
    const failed = await request(
      nc,
      subjects.sendPlaylist('cytube', 'add'),
      { link: 'https://youtu.be/dQw4w9WgXcQ' },
      { timeoutMs: 6000 },
    );
    expect(!failed.ok && failed.error.message).to.match(
      /CyTube refused to queue it: The YouTube API now requires an API key/,
    );
    const deleted = await request(
      nc,
      subjects.sendPlaylist('cytube', 'delete'),
      { uid },
      { timeoutMs: 6000 },
    );
    expect(deleted).to.deep.equal({ ok: true, data: { uid } });
    const unknown = await request(
      nc,
      subjects.sendPlaylist('cytube', 'delete'),
      { uid: 999 },
      { timeoutMs: 6000 },
    );
    expect(!unknown.ok && unknown.error.code).to.equal('NOT_FOUND');
  });

  it('flood: 12 replies under antiflood burst 4 / 1 per s all arrive, in order, none dropped by the server', async function () {
    this.timeout(120_000);
    const alice = await join('alice');
    cytube.channel('testchan').setOptions({
      chat_antiflood: true,
      chat_antiflood_params: { burst: 4, sustained: 1, cooldown: 4 },
    });
    await startRosey({}, false);
    await connectorIn(nc, 'ready', (s) => s.options.chat_antiflood === true);
    // Twice the burst and more is enough to make the limiter pace the rest at 1/s (8 s of the test).
    for (let i = 0; i < 12; i++)
      nc.publish(subjects.sendChat('cytube'), encodeJson({ channel: 'testchan', text: `reply ${i}` }));
    const fromBot = () => alice.received<Chat>('chatMsg').filter((m) => m.username === 'testbot');
    await alice.until(() => fromBot().length >= 12, 60_000, '12 lines from the bot');
    expect(fromBot().map((m) => m.msg)).to.deep.equal(Array.from({ length: 12 }, (_, i) => `reply ${i}`));
    const cooldowns = cytube.log.filter((e) => e.dir === 'in' && e.event === 'cooldown');
    expect(cooldowns).to.deep.equal([]);
    const s = await connectorState(nc);
    expect(s.counters).to.deep.include({ sent: 12, serverDrops: 0, dropped: 0 });
  });
});
