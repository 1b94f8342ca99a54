/**
 * Channel events in the SDK (issue 20): handlers by event name, typed and validated payloads, the
 * capability the NATS server enforces, a bounded queue that counts what it drops, handlers that throw
 * without harm, and commands made from the plugin's configuration. Through testBot: a real
 * nats-server with the plugin's own user, storage, router and action gate.
 */
import assert from 'node:assert/strict';
import { decodeJson } from '../../contract/envelope.js';
import { healthReplySchema } from '../../contract/messages/plugins.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { definePlugin, type ChatMessage, type PlaylistEvent } from '../../sdk/index.js';
import { testBot, type TestBot } from '../../sdk/testing/index.js';
import { eventually } from '../support/nats.js';

/** Remembers what it heard, says hello to who joins, and throws on the line `boom`. */
function listener() {
  const heard: string[] = [];
  const plugin = definePlugin({
    name: 'listener',
    commands: { heard: { usage: 'heard', cooldownMs: 0, run: () => heard.join(' | ') } },
    events: {
      message: (m: ChatMessage) => {
        if (m.text === 'boom') throw new Error('boom');
        heard.push(`${m.user}:${m.text}${m.self ? ' (self)' : ''}${m.system ? ' (system)' : ''}`);
      },
      pm: (m) => void heard.push(`pm ${m.user}:${m.text}`),
      join: async (e, ctx) => {
        heard.push(`join ${e.user}@${e.rank}`);
        await ctx.chat.send(`hello ${e.user}`);
      },
      leave: (e) => void heard.push(`leave ${e.user}`),
      playlist: (e: PlaylistEvent) =>
        void heard.push(e.kind === 'add' ? `add ${e.item.media.title}` : `playlist ${e.kind}`),
    },
  });
  return { plugin, heard };
}

describe('sdk: channel events (real nats-server, storage, router)', function () {
  this.timeout(60_000);

  describe('with the capabilities', () => {
    let bot: TestBot;
    let heard: string[];
    before(async () => {
      const made = listener();
      heard = made.heard;
      bot = await testBot(made.plugin, {
        grant: ['events.chat', 'events.users', 'events.media', 'chat.send'],
      });
    });
    after(async () => {
      await bot?.close();
    });
    beforeEach(() => {
      heard.length = 0;
      bot.clear();
    });

    it('hears every chat line, commands too, with the bot’s own and the platform’s flagged', async () => {
      await bot.say('hello there', { as: 'alice' });
      await bot.say('!heard', { as: 'bob' });
      await bot.say('I said that', { as: 'Rosey', self: true });
      await bot.say('server restarting', { as: '[server]', system: true });
      await bot.say('psst', { as: 'carol', private: true });
      assert.deepEqual(heard, [
        'alice:hello there',
        'bob:!heard',
        'Rosey:I said that (self)',
        '[server]:server restarting (system)',
        'pm carol:psst',
      ]);
      // The command ran after the line before it was handled: one queue, in order.
      assert.equal(bot.replies[0]?.text, 'alice:hello there | bob:!heard');
    });

    it('hears users and the playlist, typed; a handler’s chat line is in what emit returns', async () => {
      const said = await bot.emit.join({ user: 'dave', rank: 1 });
      assert.deepEqual(
        said.map((r) => r.text),
        ['hello dave'],
      );
      await bot.emit.playlist({
        kind: 'add',
        item: {
          uid: 7,
          media: { type: 'yt', id: 'abc', title: 'A song', seconds: 60 },
          queuedBy: 'x',
          temp: false,
        },
        after: 'prepend',
      });
      await bot.emit.playlist({ kind: 'delete', uid: 7 });
      await bot.emit.leave({ user: 'dave' });
      assert.deepEqual(heard, ['join dave@1', 'add A song', 'playlist delete', 'leave dave']);
    });

    it('drops an invalid payload before any handler and counts it; a throwing handler is counted, nothing stops', async () => {
      const before = await bot.eventFigures();
      bot.nc.publish(subjects.channelEvent('user.join'), '{"user": 5}');
      bot.nc.publish(subjects.message, 'not json');
      await bot.say('boom');
      await bot.say('still here');
      const after = await bot.eventFigures();
      assert.equal(after.invalid - before.invalid, 2);
      assert.equal(after.failed - before.failed, 1);
      assert.deepEqual(heard, ['tester:still here']);
      assert.ok(bot.logs.some((l) => l.level === 'error' && /'message' handler failed: boom/.test(l.msg)));
    });

    it('reports its queue in the health reply (what rosey status and the metrics read)', async () => {
      await bot.say('one more');
      const health = await request(
        bot.nc,
        subjects.pluginHealth('listener', 1),
        {},
        { timeoutMs: 2000, reply: healthReplySchema },
      );
      assert.ok(health.ok);
      assert.deepEqual(
        { ...health.data.events, handled: 0, failed: 0, invalid: 0 },
        {
          listening: true,
          held: false,
          queued: 0,
          limit: 1000,
          handled: 0,
          dropped: 0,
          failed: 0,
          timedOut: 0,
          invalid: 0,
        },
      );
      assert.ok((health.data.events?.handled ?? 0) > 0);
      // Its events subject validates what it is asked, like every bus handler.
      for (const payload of [{ op: 'dance' }, {}, 'settle', { op: 'settle', extra: 1 }]) {
        const refused = await request(bot.nc, subjects.pluginEvents('listener', 1), payload, {
          timeoutMs: 2000,
        });
        assert.equal(refused.ok ? 'ok' : refused.error.code, 'VALIDATION_ERROR', JSON.stringify(payload));
      }
    });
  });

  it('without the capability the NATS server refuses the subscription and reports the violation', async () => {
    const heard: string[] = [];
    const deaf = definePlugin({
      name: 'deaf',
      commands: {},
      events: { join: (e) => void heard.push(e.user) },
    });
    const bot = await testBot(deaf, { grant: [] });
    try {
      await eventually(
        () => bot.logs.some((l) => l.level === 'error' && /cannot hear 'join' events/.test(l.msg)),
        'the plugin logs the refusal',
      );
      const violations: unknown[] = [];
      const sub = bot.nc.subscribe(subjects.securityViolation, {
        callback: (_e, msg) => {
          const v = decodeJson(msg.data);
          if (v.ok) violations.push(v.data);
        },
      });
      await bot.nc.flush();
      // Asked to listen again, it is refused again, and the server's refusal is reported each time.
      const resumed = await request(
        bot.nc,
        subjects.pluginEvents('deaf', 1),
        { op: 'resume' },
        { timeoutMs: 2000 },
      );
      assert.ok(resumed.ok);
      await eventually(() => violations.length > 0, 'the violation is reported');
      assert.deepEqual((violations[0] as Record<string, unknown>)['capability'], 'events.users');
      assert.deepEqual((violations[0] as Record<string, unknown>)['action'], 'rosey.events.user.join');
      sub.unsubscribe();
      await bot.emit.join({ user: 'eve', rank: 0 });
      assert.deepEqual(heard, []);
      assert.equal((await bot.eventFigures()).listening, false);
    } finally {
      await bot.close();
    }
  });

  // A handler that never settles (an HTTP request without a timeout) held every later event in the
  // queue, and only the queue's drops, much later, said anything.
  it('says when a handler is still running after `eventTimeoutMs`, and keeps the events in order', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    const stuck = definePlugin({
      name: 'stuck',
      commands: {},
      events: {
        message: async (m) => {
          seen.push(m.text);
          if (m.text === 'hang') await gate;
        },
      },
    });
    const bot = await testBot(stuck, { grant: ['events.chat'], eventTimeoutMs: 200 });
    try {
      for (const text of ['hang', 'after'])
        bot.nc.publish(
          subjects.message,
          JSON.stringify({ platform: 'test', channel: 'test', user: 'u', rank: 0, text }),
        );
      await bot.nc.flush();
      const said = "'message' handler still running after 200 ms: later events wait for it (1 so far)";
      await eventually(() => bot.logs.some((l) => l.level === 'warn' && l.msg === said), 'the warning');
      // Not abandoned: the next event still waits for it.
      assert.deepEqual(seen, ['hang']);
      release();
      const figures = await bot.eventFigures();
      assert.deepEqual(seen, ['hang', 'after']);
      assert.equal(figures.timedOut, 1);
      assert.equal(figures.handled, 2);
    } finally {
      release();
      await bot.close();
    }
  });

  it('keeps at most `eventQueue` events waiting and counts the ones it drops, never more memory', async () => {
    let release!: () => void;
    const gate = new Promise<void>((done) => (release = done));
    const seen: string[] = [];
    const slow = definePlugin({
      name: 'slow',
      commands: {},
      events: {
        message: async (m) => {
          seen.push(m.text);
          await gate;
        },
      },
    });
    const bot = await testBot(slow, { grant: ['events.chat'], eventQueue: 3 });
    try {
      for (let i = 1; i <= 10; i++)
        bot.nc.publish(
          subjects.message,
          JSON.stringify({ platform: 'test', channel: 'test', user: 'u', rank: 0, text: `l${i}` }),
        );
      await bot.nc.flush();
      // The first is in the handler, three wait, six are dropped.
      await eventually(async () => {
        const health = await request(
          bot.nc,
          subjects.pluginHealth('slow', 1),
          {},
          { timeoutMs: 2000, reply: healthReplySchema },
        );
        return health.ok && health.data.events?.dropped === 6 && health.data.events.queued === 3;
      }, 'six dropped, three queued');
      release();
      const figures = await bot.eventFigures();
      assert.deepEqual(seen, ['l1', 'l2', 'l3', 'l4']);
      assert.deepEqual(
        { handled: figures.handled, dropped: figures.dropped, queued: figures.queued },
        {
          handled: 4,
          dropped: 6,
          queued: 0,
        },
      );
      assert.ok(bot.logs.some((l) => l.level === 'warn' && /event queue full \(3\)/.test(l.msg)));
    } finally {
      release();
      await bot.close();
    }
  });

  it('makes commands from the configuration: a cooldown the operator sets', async () => {
    const configured = definePlugin({
      name: 'configured',
      commands: ({ config }) => ({
        ping: { usage: 'ping', cooldownMs: Number(config.pingCooldownMs ?? 0), run: () => 'pong' },
      }),
    });
    const bot = await testBot(configured, { config: { pingCooldownMs: 60_000 } });
    try {
      assert.deepEqual(
        (await bot.say('!ping')).map((r) => r.text),
        ['pong'],
      );
      const again = await bot.say('!ping');
      assert.equal(again.length, 1);
      assert.notEqual(again[0]?.text, 'pong');
      assert.match(again[0]!.text, /available to you again in 60s/);
    } finally {
      await bot.close();
    }
  });
});
