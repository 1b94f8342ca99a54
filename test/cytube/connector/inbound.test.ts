import { expect } from 'chai';
import { BusLink } from '../../../actors/bus/bus-link.js';
import { emptyChannel } from '../../../actors/cytube/channel-state.js';
import { initialContext, type CytubeContext, type CytubeInput } from '../../../actors/cytube/context.js';
import { emptyCounters } from '../../../actors/cytube/counters.js';
import { publishChanges, publishChat, publishRaw } from '../../../actors/cytube/inbound.js';
import {
  abandonPlaylistRequests,
  fatalReason,
  haltsOn,
  onServerEvent,
  PASSWORD_CHECK,
  passwordReason,
} from '../../../actors/cytube/on-server-event.js';
import { emptyOutbox, type OutItem } from '../../../actors/cytube/outbox.js';
import { parseServerEvent, type KnownServerEvent } from '../../../actors/cytube/server-events.js';
import type { Step } from '../../../actors/cytube/step.js';
import { quietLogger } from '../../../contract/log.js';
import { SYSTEM_RANK, type ChatMessage } from '../../../contract/messages/chat.js';
import { subjects } from '../../../contract/subjects.js';

const NOW = 1_000_000;

const input = {
  link: new BusLink(),
  logger: quietLogger,
  server: 'https://cytube.test',
  channel: 'lobby',
  username: 'RoseyBot',
  maxMessageLength: 320,
  maxReplyParts: 4,
  reconnect: { minMs: 100, maxMs: 1000, randomFactor: 0 },
  passwordGraceMs: 4321,
  maxLoginRetries: 2,
  now: () => NOW,
};

/** A connector's context as the machine starts it, with these settings and fields changed. */
function context(over: Partial<CytubeContext> = {}, settings: Partial<CytubeInput> = {}): CytubeContext {
  return { ...initialContext({ ...input, ...settings }), phase: 'joining', ...over };
}

/** Feeds server events through the decisions as the machine does: each step's patch applied. */
function feed(
  start: CytubeContext,
  events: Array<[string, unknown]>,
): { context: CytubeContext; steps: Step[] } {
  let current = start;
  const steps: Step[] = [];
  for (const [name, data] of events) {
    const step = onServerEvent(current, name, data, NOW);
    steps.push(step);
    current = { ...current, ...step.patch };
  }
  return { context: current, steps };
}

/** The bot logged in as RoseyBot (rank 1) and in the channel with alice (rank 2). */
function inChannel(over: Partial<CytubeContext> = {}): CytubeContext {
  return feed(context(over), [
    ['rank', 1],
    ['login', { success: true, name: 'RoseyBot' }],
    [
      'userlist',
      [
        { name: 'RoseyBot', rank: 1 },
        { name: 'alice', rank: 2 },
      ],
    ],
  ]).context;
}

const known = (name: string, data: unknown): KnownServerEvent => {
  const parsed = parseServerEvent(name, data);
  if (parsed.kind !== 'known') throw new Error(`${name} did not parse`);
  return parsed.event;
};

const chatItem = (seq: number, text: string, attempts = 0, kind: 'chat' | 'pm' = 'chat'): OutItem => ({
  seq,
  kind,
  event: kind === 'chat' ? 'chatMsg' : 'pm',
  payload: { msg: text },
  enqueuedAt: NOW,
  attempts,
  label: text,
  text,
});

/** An outbox with these lines sent and not yet answered by the server. */
const sent = (c: CytubeContext, ...items: OutItem[]): CytubeContext => ({
  ...c,
  outbox: { ...c.outbox, unacked: items.map((item) => ({ item, sentAt: NOW - 10 })) },
});

const delivered = (step: Step) => step.deliver.map((d) => (d.type === 'delivery.publish' ? d : undefined));

describe('cytube: what one server event means (onServerEvent)', () => {
  describe('every event', () => {
    it('is counted, and published raw under its own name', () => {
      const step = onServerEvent(context(), 'setMotd', { motd: '<b>hi</b>' }, NOW);
      expect(step.patch.counters).to.deep.equal({ ...emptyCounters(), received: 1 });
      expect(step.bus).to.deep.equal([
        { type: 'bus.publish', subject: 'rosey.platform.cytube.setMotd', data: { motd: '<b>hi</b>' } },
      ]);
      expect(step.log).to.deep.equal([]);
    });

    it('is not published raw under a name that is not a plain word, or under the connector’s own subjects', () => {
      for (const name of ['send', 'state', 'rejoin', '1st', 'a.b', 'x'.repeat(65), '', 'a-b']) {
        expect(onServerEvent(context(), name, {}, NOW).bus, name).to.deep.equal([]);
      }
      expect(onServerEvent(context(), 'x'.repeat(64), {}, NOW).bus).to.have.length(1);
      expect(onServerEvent(context(), 'Z_9', {}, NOW).bus).to.have.length(1);
    });

    it('a malformed payload is counted, logged with where it is wrong, and not applied', () => {
      const start = context();
      const step = onServerEvent(start, 'rank', 'high', NOW);
      expect(step.patch.counters).to.deep.equal({ ...emptyCounters(), received: 1, invalid: 1 });
      expect(step.log).to.have.length(1);
      expect(step.log[0]!.level).to.equal('warn');
      expect(step.log[0]!.msg).to.match(/^ignored a malformed rank from CyTube: \(payload\): \S/);
      expect(step.patch).to.have.all.keys('counters');
      const nested = onServerEvent(start, 'chatMsg', { username: 5, msg: '' }, NOW);
      expect(nested.log[0]!.msg).to.match(/^ignored a malformed chatMsg from CyTube: username: \S/);
    });

    it('changes to the channel are published as Rosey’s channel events, with where and when', () => {
      const step = onServerEvent(inChannel(), 'addUser', { name: 'bob', rank: 0 }, NOW);
      // Through the confirmed publisher, in order with the chat lines (the raw addUser goes by the bridge).
      expect(step.deliver).to.deep.equal([
        {
          type: 'delivery.publish',
          subject: subjects.channelEvent('user.join'),
          data: { platform: 'cytube', channel: 'lobby', time: NOW, user: 'bob', rank: 0 },
          what: 'user.join bob',
        },
      ]);
      expect(step.bus.map((c) => c.type === 'bus.publish' && c.subject)).to.deep.equal([
        'rosey.platform.cytube.addUser',
      ]);
      expect(step.patch.channel?.users.has('bob')).to.equal(true);
    });

    it('the first user list is published as who was here, the bot left out even before its login says its name', () => {
      // 10-duplicate-login: the new socket's list names the old session, before the login answers.
      const step = onServerEvent(
        context(),
        'userlist',
        [
          { name: 'alice', rank: 5 },
          { name: 'roseybot', rank: 1 },
        ],
        NOW,
      );
      expect(step.deliver).to.deep.equal([
        {
          type: 'delivery.publish',
          subject: 'rosey.events.user.list',
          data: { platform: 'cytube', channel: 'lobby', time: NOW, users: [{ user: 'alice', rank: 5 }] },
          what: 'user.list of 1',
        },
      ]);
      expect(step.patch.channel?.users.has('roseybot')).to.equal(true);
    });

    it('what the channel state notes (a full user list) is logged as a warning', () => {
      const step = onServerEvent(
        context(),
        'userlist',
        Array.from({ length: 5001 }, (_, i) => ({ name: `u${i}`, rank: 0 })),
        NOW,
      );
      expect(step.log.map((l) => l.level)).to.deep.equal(['warn']);
      expect(step.log[0]!.msg).to.match(/5001/);
    });
  });

  describe('chat', () => {
    it('a line in the channel is published as a chat message: text decoded, HTML kept, the sender’s rank', () => {
      const step = onServerEvent(
        inChannel(),
        'chatMsg',
        { username: 'Alice', msg: '<a href="x">x</a> &lt;b&gt; &amp; ', meta: {}, time: 42 },
        NOW,
      );
      expect(delivered(step)).to.deep.equal([
        {
          type: 'delivery.publish',
          subject: subjects.message,
          data: {
            platform: 'cytube',
            channel: 'lobby',
            user: 'Alice',
            rank: 2,
            text: 'x <b> &',
            html: '<a href="x">x</a> &lt;b&gt; &amp; ',
            action: undefined,
            system: undefined,
            self: undefined,
            time: 42,
          } satisfies ChatMessage,
          what: 'Alice: x <b> &',
        },
      ]);
    });

    it('a /me line is an action; the server’s lines are system lines at the system rank; a stranger has rank 0; no time is now', () => {
      const c = inChannel();
      const one = (username: string, meta?: Record<string, unknown>) =>
        delivered(onServerEvent(c, 'chatMsg', { username, msg: 'm', meta }, NOW))[0]!.data as ChatMessage;
      expect(one('alice', { action: true })).to.deep.include({ action: true, system: undefined, rank: 2 });
      expect(one('alice', { action: 'yes' })).to.deep.include({ action: undefined });
      expect(one('[server]')).to.deep.include({ system: true, rank: SYSTEM_RANK, action: undefined });
      expect(one('nobody')).to.deep.include({ rank: 0, time: NOW, system: undefined });
    });

    it('a shadow-muted line is not published (answering it would reveal the mute)', () => {
      const step = onServerEvent(
        inChannel(),
        'chatMsg',
        { username: 'alice', msg: 'm', meta: { shadow: true } },
        NOW,
      );
      expect(step.deliver).to.deep.equal([]);
      const shown = onServerEvent(
        inChannel(),
        'chatMsg',
        { username: 'alice', msg: 'm', meta: { shadow: 1 } },
        NOW,
      );
      expect(shown.deliver).to.have.length(1);
    });

    it('the bot’s own line is published flagged as self (any case of its name) and answers the line it sent', () => {
      const c = sent(inChannel(), chatItem(1, 'hello  there'), chatItem(2, 'later'));
      const step = onServerEvent(c, 'chatMsg', { username: 'rOSEYbOT', msg: 'hello there' }, NOW);
      expect((delivered(step)[0]!.data as ChatMessage).self).to.equal(true);
      expect(step.patch.outbox?.unacked.map((s) => s.item.seq)).to.deep.equal([2]);
      expect(step.patch.counters).to.deep.equal({ ...c.counters, received: c.counters.received + 1 });
    });

    it('someone else saying the bot’s line does not answer it', () => {
      const c = sent(inChannel(), chatItem(1, 'hello'));
      const step = onServerEvent(c, 'chatMsg', { username: 'alice', msg: 'hello' }, NOW);
      expect(step.patch.outbox?.unacked).to.have.length(1);
    });

    it('the history replay before the user list is not published; the bot’s own lines in it are confirmed delivered', () => {
      const c = context({
        channel: { ...emptyChannel(), self: 'RoseyBot', loggedIn: true },
        outbox: { ...emptyOutbox(), unconfirmed: [chatItem(1, 'said before'), chatItem(2, 'not seen')] },
      });
      const mine = onServerEvent(c, 'chatMsg', { username: 'RoseyBot', msg: 'said <i>before</i>' }, NOW);
      expect(mine.deliver).to.deep.equal([]);
      expect(mine.patch.outbox?.unconfirmed.map((i) => i.seq)).to.deep.equal([2]);
      const theirs = onServerEvent(c, 'chatMsg', { username: 'alice', msg: 'not seen' }, NOW);
      expect(theirs.deliver).to.deep.equal([]);
      expect(theirs.patch.outbox?.unconfirmed).to.have.length(2);
    });

    it('before its login the bot knows itself by the configured name', () => {
      const c = sent(
        context({ channel: { ...emptyChannel(), inChannel: true } }, { username: 'RoseyBot' }),
        chatItem(1, 'hi'),
      );
      const step = onServerEvent(c, 'chatMsg', { username: 'roseybot', msg: 'hi' }, NOW);
      expect(step.patch.outbox?.unacked).to.deep.equal([]);
      expect((delivered(step)[0]!.data as ChatMessage).self).to.equal(true);
    });
  });

  describe('private messages', () => {
    it('a PM to the bot is published on the PM subject', () => {
      const step = onServerEvent(inChannel(), 'pm', { username: 'alice', msg: 'psst', to: 'roseybot' }, NOW);
      expect(delivered(step).map((d) => [d?.subject, (d?.data as ChatMessage).text])).to.deep.equal([
        [subjects.pm, 'psst'],
      ]);
    });

    it('a PM between two others is not the bot’s to answer', () => {
      const step = onServerEvent(inChannel(), 'pm', { username: 'alice', msg: 'psst', to: 'bob' }, NOW);
      expect(step.deliver).to.deep.equal([]);
    });

    it('the bot’s own PM is published as self and answers the PM it sent, not a chat line of the same text', () => {
      const c = sent(inChannel(), chatItem(1, 'same', 0, 'pm'), chatItem(2, 'same'));
      const step = onServerEvent(c, 'pm', { username: 'RoseyBot', msg: 'same', to: 'alice' }, NOW);
      expect((delivered(step)[0]!.data as ChatMessage).self).to.equal(true);
      expect(step.patch.outbox?.unacked.map((s) => s.item.seq)).to.deep.equal([2]);
    });

    it('someone else’s PM of the same text does not answer the bot’s PM', () => {
      const c = sent(inChannel(), chatItem(1, 'hi', 0, 'pm'));
      const step = onServerEvent(c, 'pm', { username: 'alice', msg: 'hi', to: 'RoseyBot' }, NOW);
      expect(step.patch.outbox?.unacked.map((s) => s.item.seq)).to.deep.equal([1]);
    });

    it('the bot’s own PM echo counts as delivered, not as a failure', () => {
      const c = sent(inChannel(), chatItem(1, 'hi', 0, 'pm'));
      const step = onServerEvent(c, 'pm', { username: 'RoseyBot', msg: 'hi', to: 'alice' }, NOW);
      expect(step.patch.outbox?.unacked).to.deep.equal([]);
      expect(step.patch.counters).to.deep.include({ failed: 0, serverDrops: 0 });
      expect(step.log).to.deep.equal([]);
    });

    it('a PM works before the user list too (PMs have no history replay)', () => {
      const step = onServerEvent(context(), 'pm', { username: 'alice', msg: 'early', to: 'RoseyBot' }, NOW);
      expect(step.deliver).to.have.length(1);
    });
  });

  describe('the server’s answers to the bot’s lines', () => {
    it('a cooldown sends the oldest line again after the pause, capped at 30 s, and counts a drop', () => {
      const c = sent(inChannel(), chatItem(1, 'dropped'));
      const step = onServerEvent(c, 'cooldown', 90_000, NOW);
      expect(step.patch.outbox?.queue.map((i) => [i.seq, i.attempts])).to.deep.equal([[1, 1]]);
      expect(step.patch.counters).to.deep.include({ serverDrops: 1, resent: 1, dropped: 0 });
      expect(step.log).to.deep.equal([
        { level: 'warn', msg: 'CyTube dropped "dropped" (flood limit); sending it again' },
      ]);
      const capped = step.patch.outbox!.pausedUntil - NOW;
      const asked = onServerEvent(c, 'cooldown', 30_000, NOW).patch.outbox!.pausedUntil - NOW;
      expect(capped).to.equal(asked);
      const less = onServerEvent(c, 'cooldown', 29_000, NOW).patch.outbox!.pausedUntil - NOW;
      expect(less).to.be.below(asked);
    });

    it('a negative cooldown pauses as a zero one does', () => {
      const c = sent(inChannel(), chatItem(1, 'x'));
      const negative = onServerEvent(c, 'cooldown', -5000, NOW).patch.outbox!.pausedUntil;
      const zero = onServerEvent(c, 'cooldown', 0, NOW).patch.outbox!.pausedUntil;
      const one = onServerEvent(c, 'cooldown', 1, NOW).patch.outbox!.pausedUntil;
      expect(negative).to.equal(zero);
      expect(one).to.be.above(zero);
    });

    it('a line dropped for the third time is given up, counted and logged as an error', () => {
      const c = sent(inChannel(), chatItem(1, 'again', 2));
      const step = onServerEvent(c, 'cooldown', 1000, NOW);
      expect(step.patch.outbox?.queue).to.deep.equal([]);
      expect(step.patch.counters).to.deep.include({ serverDrops: 1, resent: 0, dropped: 1 });
      expect(step.log).to.deep.equal([
        { level: 'error', msg: 'CyTube dropped "again" 3 times; giving up on it' },
      ]);
    });

    it('a cooldown with no line waiting still counts a server drop', () => {
      const step = onServerEvent(inChannel(), 'cooldown', 1000, NOW);
      expect(step.patch.counters).to.deep.include({ serverDrops: 1, resent: 0, dropped: 0, failed: 0 });
      expect(step.log).to.deep.equal([]);
    });

    it('an echo that matches no line counts nothing', () => {
      const step = onServerEvent(inChannel(), 'chatMsg', { username: 'RoseyBot', msg: 'unknown' }, NOW);
      expect(step.patch.counters).to.deep.include({ serverDrops: 0, failed: 0 });
    });

    it('a chat flood refusal fails the oldest line; a refusal of another action does not', () => {
      const c = sent(inChannel(), chatItem(1, 'too fast'));
      for (const action of [undefined, 'chat']) {
        const step = onServerEvent(c, 'noflood', { action, msg: 'slow down' }, NOW);
        expect(step.patch.outbox?.unacked, String(action)).to.deep.equal([]);
        expect(step.patch.counters?.failed).to.equal(1);
        expect(step.log).to.deep.equal([
          { level: 'warn', msg: 'CyTube did not deliver "too fast": slow down' },
        ]);
      }
      const other = onServerEvent(c, 'noflood', { action: 'queue', msg: 'slow down' }, NOW);
      expect(other.patch.outbox?.unacked).to.have.length(1);
      expect(other.patch.counters?.failed).to.equal(0);
    });

    it('the spam filter fails the oldest line with its reason, or says none was given', () => {
      const c = sent(inChannel(), chatItem(1, 'buy now'));
      expect(onServerEvent(c, 'spamFiltered', { reason: 'links' }, NOW).log).to.deep.equal([
        { level: 'warn', msg: 'CyTube did not deliver "buy now": spam filter: links' },
      ]);
      expect(onServerEvent(c, 'spamFiltered', {}, NOW).log).to.deep.equal([
        { level: 'warn', msg: 'CyTube did not deliver "buy now": spam filter: no reason given' },
      ]);
    });

    it('an error about a PM or a chat line fails the oldest line; any other error is only logged', () => {
      const c = sent(inChannel(), chatItem(1, 'x'));
      for (const msg of [
        'PM failed: user is not here',
        "You can't PM yourself",
        'Rate limit exceeded for message chatMsg',
        'Rate limit exceeded for message pm',
      ]) {
        const step = onServerEvent(c, 'errorMsg', { msg }, NOW);
        expect(step.patch.counters?.failed, msg).to.equal(1);
      }
      expect(onServerEvent(c, 'errorMsg', { msg: 'PM failed: gone' }, NOW).log).to.deep.equal([
        { level: 'warn', msg: 'CyTube did not deliver "x": PM failed: gone' },
      ]);
      for (const msg of [
        'You are muted',
        'something PM failed',
        'for message chatMsgs',
        'for message queue',
      ]) {
        const step = onServerEvent(c, 'errorMsg', { msg }, NOW);
        expect(step.patch.counters?.failed, msg).to.equal(0);
        expect(step.log, msg).to.deep.equal([{ level: 'warn', msg: `CyTube: ${msg}` }]);
      }
    });
  });

  describe('login and the channel password', () => {
    it('a password prompt waits the grace period for CyTube to let the bot in; its cancel stops the wait', () => {
      const step = onServerEvent(context(), 'needPassword', true, NOW);
      expect(step.patch.passwordPrompt).to.equal(true);
      expect(step.raise).to.deep.equal([
        { event: { type: 'password.check' }, delay: 4321, id: PASSWORD_CHECK },
      ]);
      const cancel = onServerEvent(context({ passwordPrompt: true }), 'cancelNeedPassword', undefined, NOW);
      expect(cancel.patch.passwordPrompt).to.equal(false);
      expect(cancel.cancel).to.deep.equal([PASSWORD_CHECK]);
    });

    it('says how to give the channel password, or that CyTube refused the one given', () => {
      expect(passwordReason(context())).to.equal(
        'channel lobby has a password: set platforms.cytube.channelPassword (or CYTUBE_CHANNEL_PASSWORD)',
      );
      expect(passwordReason(context({}, { channelPassword: 'pw' }))).to.equal(
        'CyTube refused the channel password for lobby',
      );
    });

    it('a login resets the retries and says as whom', () => {
      const step = onServerEvent(
        context({ loginRetries: 2 }),
        'login',
        { success: true, name: 'RoseyBot2' },
        NOW,
      );
      expect(step.patch.loginRetries).to.equal(0);
      expect(step.log).to.deep.equal([{ level: 'info', msg: 'logged in to lobby as RoseyBot2' }]);
      const unnamed = onServerEvent(context(), 'login', { success: true }, NOW);
      expect(unnamed.log).to.deep.equal([{ level: 'info', msg: 'logged in to lobby as RoseyBot' }]);
      expect(unnamed.patch.halt).to.equal(undefined);
    });

    it('a guest-login delay is waited out: the server’s wait and a little more, then logging in again', () => {
      const error = 'Guest logins are restricted to one per IP address per 10 seconds.';
      const step = onServerEvent(context({ loginRetries: 1 }), 'login', { success: false, error }, NOW);
      expect(step.patch.loginRetries).to.equal(2);
      expect(step.patch.loginWaitMs).to.be.within(10_250, 10_750);
      expect(step.raise).to.deep.equal([{ event: { type: 'login.wait' } }]);
      // The server's sentence loses its full stop inside ours (issue 21: "…seconds.: logging in again").
      expect(step.log).to.deep.equal([
        {
          level: 'warn',
          msg: `Guest logins are restricted to one per IP address per 10 seconds: logging in again in ${Math.round(step.patch.loginWaitMs! / 1000)} s`,
        },
      ]);
      // `rosey cytube status` says why the bot is still joining, and until when.
      expect(step.patch.loginWait).to.deep.equal({ reason: error, until: NOW + step.patch.loginWaitMs! });
      expect(step.patch.halt).to.equal(undefined);
    });

    it('the extra wait is spread over half a second, so that bots behind one address do not retry together', () => {
      const error = 'Guest logins are restricted to one per IP address per 10 seconds.';
      const random = Math.random;
      try {
        Math.random = () => 1;
        const latest = onServerEvent(context(), 'login', { success: false, error }, NOW);
        Math.random = () => 0;
        const earliest = onServerEvent(context(), 'login', { success: false, error }, NOW);
        expect([earliest.patch.loginWaitMs, latest.patch.loginWaitMs]).to.deep.equal([10_250, 10_750]);
      } finally {
        Math.random = random;
      }
    });

    it('after the last wait the connector gives up, saying how many it waited', () => {
      const error = 'That name is already in use on this channel.';
      const step = onServerEvent(context({ loginRetries: 2 }), 'login', { success: false, error }, NOW);
      expect(step.raise).to.deep.equal([]);
      expect(step.patch.loginRetries).to.equal(undefined);
      expect(step.patch.halt).to.equal(`gave up logging in after 2 waits: ${error}`);
      expect(step.log).to.deep.equal([
        { level: 'error', msg: `stopped: gave up logging in after 2 waits: ${error}` },
      ]);
    });

    it('a refused login stops for good at once', () => {
      const step = onServerEvent(context(), 'login', { success: false, error: 'User does not exist' }, NOW);
      expect(step.raise).to.deep.equal([]);
      expect(step.patch.halt).to.equal('CyTube refused the login for "RoseyBot": User does not exist');
    });
  });

  describe('issue 21: temporary refusals, the settled rank, the wait to log in', () => {
    it('"Too many connections from your IP address" ends nothing: it is kept for the backoff and logged', () => {
      const reason = 'Too many connections from your IP address';
      expect(fatalReason(context(), known('kick', { reason }))).to.equal(undefined);
      const step = onServerEvent(inChannel(), 'kick', { reason }, NOW);
      expect(step.patch.refusal).to.equal(reason);
      expect(step.patch.halt).to.equal(undefined);
      expect(step.log).to.deep.equal([
        { level: 'warn', msg: `CyTube turned the bot away for now: ${reason}` },
      ]);
      // Any other kick still ends the attempts, and is no refusal-for-now.
      const banned = onServerEvent(inChannel(), 'kick', { reason: "You're banned!" }, NOW);
      expect(banned.patch.refusal).to.equal(undefined);
      expect(banned.patch.halt).to.equal("kicked from lobby: You're banned!");
    });

    it('the rank settles with the bot’s own setUserRank once logged in, or with a guest login', () => {
      const self = onServerEvent(inChannel(), 'setUserRank', { name: 'rosEYbot', rank: 2 }, NOW);
      expect(self.patch.rankSettled).to.equal(true);
      const other = onServerEvent(inChannel(), 'setUserRank', { name: 'alice', rank: 3 }, NOW);
      expect(other.patch.rankSettled).to.equal(undefined);
      // At the password prompt, before the login: the broadcast is not ours yet.
      const early = onServerEvent(context(), 'setUserRank', { name: 'RoseyBot', rank: 2 }, NOW);
      expect(early.patch.rankSettled).to.equal(undefined);
      const guest = onServerEvent(context(), 'login', { success: true, name: 'RoseyBot', guest: true }, NOW);
      expect(guest.patch.rankSettled).to.equal(true);
      const account = onServerEvent(context(), 'login', { success: true, name: 'RoseyBot' }, NOW);
      expect(account.patch.rankSettled).to.equal(undefined);
      // …and if none comes (none is sent at a password prompt), the bot goes on after a grace.
      expect(account.raise).to.deep.equal([{ event: { type: 'rank.grace' }, delay: 1000, id: 'rank-grace' }]);
      expect(guest.raise).to.deep.equal([]);
    });

    it('a login ends the wait to log in again', () => {
      const waiting = context({ loginWait: { reason: 'x', until: NOW + 1 } });
      const step = onServerEvent(waiting, 'login', { success: true, name: 'RoseyBot' }, NOW);
      expect(step.patch).to.have.property('loginWait', undefined);
      expect('loginWait' in step.patch).to.equal(true);
    });
  });

  describe('what ends the connector’s attempts', () => {
    it('a kick, with its reason or none; a duplicate login says why it does not reconnect', () => {
      const c = context();
      expect(fatalReason(c, known('kick', { reason: 'bye' }))).to.equal('kicked from lobby: bye');
      expect(fatalReason(c, known('kick', {}))).to.equal('kicked from lobby: no reason given');
      expect(fatalReason(c, known('kick', { reason: 'Duplicate Login' }))).to.equal(
        'another connection logged in as RoseyBot and CyTube dropped this one (Duplicate login); not reconnecting, or the two would keep kicking each other',
      );
    });

    it('a registered name’s failure is judged as a registered login', () => {
      const c = context({}, { password: 'pw' });
      expect(fatalReason(c, known('login', { success: false, error: 'odd' }))).to.equal(
        'CyTube refused the login for "RoseyBot": odd',
      );
      expect(fatalReason(context(), known('login', { success: false, error: 'odd' }))).to.equal(
        'CyTube refused the guest login for "RoseyBot": odd',
      );
    });

    it('a retryable failure ends them only once the retries are used up; no other event does', () => {
      const error = 'That name is already in use on this channel.';
      expect(fatalReason(context({ loginRetries: 1 }), known('login', { success: false, error }))).to.equal(
        undefined,
      );
      expect(fatalReason(context({ loginRetries: 3 }), known('login', { success: false, error }))).to.match(
        /^gave up logging in after 3 waits/,
      );
      expect(fatalReason(context(), known('login', { success: true }))).to.equal(undefined);
      expect(fatalReason(context(), known('rank', 3))).to.equal(undefined);
    });

    it('haltsOn: only a well-formed kick or a fatal login halts', () => {
      const c = context();
      expect(haltsOn(c, 'kick', { reason: 'x' })).to.equal(true);
      expect(haltsOn(c, 'kick', 'not an object')).to.equal(false);
      expect(haltsOn(c, 'login', { success: false, error: 'User does not exist' })).to.equal(true);
      expect(haltsOn(c, 'login', { success: true })).to.equal(false);
      expect(haltsOn(c, 'errorMsg', { msg: 'kicked' })).to.equal(false);
    });

    it('a kick halts with an error line', () => {
      const step = onServerEvent(context(), 'kick', { reason: 'bye' }, NOW);
      expect(step.patch.halt).to.equal('kicked from lobby: bye');
      expect(step.log).to.deep.equal([{ level: 'error', msg: 'stopped: kicked from lobby: bye' }]);
    });
  });

  describe('playlist requests', () => {
    it('a broadcast that settles a request answers it and drops its waiter', () => {
      const c = {
        ...inChannel(),
        waiters: [
          { replyId: 'r1', awaits: { op: 'delete' as const, uid: 7 }, deadline: NOW + 1000 },
          { replyId: 'r2', awaits: { op: 'delete' as const, uid: 8 }, deadline: NOW + 1000 },
        ],
      };
      const step = onServerEvent(c, 'delete', { uid: 7 }, NOW);
      expect(step.bus.filter((b) => b.type === 'bus.reply')).to.deep.equal([
        { type: 'bus.reply', replyId: 'r1', result: { ok: true, data: { uid: 7 } } },
      ]);
      expect(step.patch.waiters?.map((w) => w.replyId)).to.deep.equal(['r2']);
    });

    it('leaving the channel answers every open request and drops the playlist items still queued', () => {
      const item = (seq: number, kind: OutItem['kind']): OutItem => ({ ...chatItem(seq, 'x'), kind });
      const c = {
        ...context(),
        pendingReplies: { 3: 'queued' },
        waiters: [{ replyId: 'waiting', awaits: { op: 'jump' as const, uid: 1 }, deadline: NOW }],
        outbox: {
          ...emptyOutbox(),
          queue: [item(1, 'chat'), item(2, 'pm'), item(3, 'queue'), item(4, 'move')],
        },
      };
      const step = abandonPlaylistRequests(c, 'disconnected');
      expect(step.bus).to.deep.equal(
        ['queued', 'waiting'].map((replyId) => ({
          type: 'bus.reply',
          replyId,
          result: { ok: false, error: { code: 'BUS_UNAVAILABLE', message: 'disconnected' } },
        })),
      );
      expect(step.patch.pendingReplies).to.deep.equal({});
      expect(step.patch.waiters).to.deep.equal([]);
      expect(step.patch.outbox?.queue.map((i) => i.seq)).to.deep.equal([1, 2]);
    });
  });
});

describe('cytube: inbound messages as Rosey publishes them', () => {
  it('channel options are published raw without the channel password, keeping whether there is one', () => {
    const dataOf = (name: string, data: unknown) => {
      const [command] = publishRaw(name, data);
      return command?.type === 'bus.publish' ? command.data : 'not a publish';
    };
    const raw = (data: unknown) => dataOf('channelOpts', data);
    expect(raw({ password: 'secret', x: 1 })).to.deep.equal({ password: '[redacted]', x: 1 });
    expect(raw({ password: false })).to.deep.equal({ password: false });
    expect(raw({ password: '' })).to.deep.equal({ password: false });
    expect(raw({ x: 1 })).to.deep.equal({ x: 1 });
    expect(raw(null)).to.equal(null);
    expect(raw('not options')).to.equal('not options');
    // Only channelOpts carries the channel's password.
    expect(dataOf('other', { password: 'p' })).to.deep.equal({ password: 'p' });
    expect(publishRaw('other', undefined)[0]).to.deep.equal({
      type: 'bus.publish',
      subject: 'rosey.platform.cytube.other',
      data: null,
    });
  });

  it('each channel change goes to its own subject with where and when', () => {
    const where = { platform: 'cytube', channel: 'lobby', time: 5 };
    expect(
      publishChanges(
        [
          { kind: 'user.leave', user: 'bob' },
          { kind: 'playlist.delete', uid: 3 },
        ],
        where,
      ),
    ).to.deep.equal([
      {
        type: 'delivery.publish',
        subject: 'rosey.events.user.leave',
        data: { ...where, user: 'bob' },
        what: 'user.leave bob',
      },
      {
        type: 'delivery.publish',
        subject: 'rosey.events.playlist.delete',
        data: { ...where, uid: 3 },
        what: 'playlist.delete',
      },
    ]);
  });

  it('a chat line with lone surrogates is published well-formed, as text and as HTML', () => {
    const where = { platform: 'cytube', channel: 'lobby', time: 5 };
    const [out] = publishChat(
      { username: 'a\uD800b', msg: 'x\uDC00y' },
      emptyChannel(),
      'RoseyBot',
      where,
      false,
    );
    const data = (out as { data: ChatMessage }).data;
    expect([data.user, data.text, data.html]).to.deep.equal(['a\uFFFDb', 'x\uFFFDy', 'x\uFFFDy']);
  });
});
