import { expect } from 'chai';
import { testBot, type TestBot } from 'rosey/sdk/testing';
import { createChatStatsPlugin } from '../index.js';
import { sawLines } from '../store.js';

const dir = new URL('..', import.meta.url);

const S = 1000;
const M = 60 * S;
const H = 60 * M;
/** The plugin's clock: tests move it; event times are given explicitly, at or before it. */
const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
let clock = T0;

async function start(config: Record<string, unknown> = {}): Promise<TestBot> {
  clock = T0;
  return testBot(createChatStatsPlugin({ now: () => clock }), { dir, config });
}

async function text(bot: TestBot, line: string, as = 'tester'): Promise<string> {
  const replies = await bot.say(line, { as });
  expect(replies, `one reply to ${line}`).to.have.length(1);
  return replies[0]!.text;
}

/** The plugin takes no time ahead of its clock: events move it forward to their time. */
const until = (time: number) => (clock = Math.max(clock, time));

/** A chat line at a given time (`say` stamps lines with the real clock). */
const line = (bot: TestBot, user: string, text: string, time: number) => {
  until(time);
  return bot.emit.message({ user, rank: 1, text, time });
};
const join = (bot: TestBot, user: string, time: number, channel?: string) => {
  until(time);
  return bot.emit.join({ user, rank: 1, time, ...(channel ? { channel } : {}) });
};
const leave = (bot: TestBot, user: string, time: number) => {
  until(time);
  return bot.emit.leave({ user, time });
};

/** Who was in the channel when Rosey (re)entered it, as the connector lists them. */
const present = (bot: TestBot, users: string[], time: number, partial?: true) => {
  until(time);
  return bot.emit.present({
    users: users.map((user) => ({ user, rank: 0 })),
    time,
    ...(partial ? { partial } : {}),
  });
};

describe('chat-stats plugin (testBot: real NATS, router and storage)', function () {
  this.timeout(60_000);
  let bot: TestBot;
  afterEach(async () => bot?.close());

  it('answers !seen alice after alice left: when, and what she was doing', async () => {
    bot = await start();
    await join(bot, 'alice', T0);
    await line(bot, 'alice', 'hi all', T0 + 10 * M);
    await leave(bot, 'alice', T0 + 90 * M);
    clock = T0 + 2 * H;
    expect(await text(bot, '!seen alice')).to.equal(
      'alice was last seen 30m ago (2026-12-06 13:30 UTC), leaving.',
    );
    expect(await text(bot, '!seen ALICE')).to.match(/^alice was last seen 30m ago/);
    expect(await text(bot, '!stats alice')).to.equal(
      'alice: 1 line, first seen 2026-12-06 12:00 UTC, last seen 30m ago, connected 1h 30m.',
    );
    expect(await text(bot, '!seen bob')).to.equal('I have not seen bob here.');
    expect(await text(bot, '!seen')).to.equal('Usage: !seen NAME');
    expect(await text(bot, '!seen tester')).to.equal('You are right here, tester.');
  });

  it('counts chat lines, not commands, the bot itself or platform lines; !top lists the most', async () => {
    bot = await start({ topCount: 2 });
    for (const [user, n] of [
      ['alice', 3],
      ['bob', 5],
      ['carol', 1],
    ] as const)
      for (let i = 0; i < n; i++) await line(bot, user, `line ${i}`, T0 + i * S);
    await bot.say('!roll 1d6', { as: 'carol' });
    await bot.say('/me waves', { as: 'carol', action: true });
    await bot.say('I am the bot', { as: 'Rosey', self: true });
    await bot.say('server restarting', { as: '[server]', system: true });
    expect(await text(bot, '!top')).to.equal('Top talkers: 1. bob 5 · 2. alice 3');
    expect(await text(bot, '!stats carol')).to.match(/^carol: 2 lines, /);
    expect(await bot.rows.count('users', { user_key: { $in: ['rosey', '[server]'] } })).to.equal(0);
    expect((await bot.eventFigures()).failed).to.equal(0);
  });

  it('keeps one row per user, whatever the case of the name and however much they do', async () => {
    bot = await start();
    for (let i = 0; i < 50; i++) {
      const name = i % 2 ? 'Alice' : 'ALICE';
      await join(bot, name, T0 + i * M);
      await line(bot, name, 'again', T0 + i * M + S);
      await leave(bot, name, T0 + i * M + 30 * S);
    }
    expect(await bot.rows.count('users')).to.equal(1);
    expect(await bot.rows.count('channels')).to.equal(1);
    clock = T0 + 50 * M;
    // 50 stretches of 30 s; the name as last spelled.
    expect(await text(bot, '!stats alice')).to.equal(
      'Alice: 50 lines, first seen 2026-12-06 12:00 UTC, last seen 30s ago, connected 25m.',
    );
  });

  it("does not count time it did not see: a missed leave closes the stretch at the user's last sighting", async () => {
    bot = await start();
    await join(bot, 'bob', T0);
    await line(bot, 'bob', 'brb', T0 + 10 * M);
    // Rosey was away when bob left; he comes back an hour later.
    await join(bot, 'bob', T0 + 2 * H);
    clock = T0 + 2 * H + 5 * M;
    expect(await text(bot, '!stats bob')).to.match(/, here now, connected 15m\.$/);
  });

  it('counts someone already there when Rosey came from their first line', async () => {
    bot = await start();
    await line(bot, 'dave', 'was here first', T0);
    await leave(bot, 'dave', T0 + 20 * M);
    clock = T0 + H;
    expect(await text(bot, '!stats dave')).to.match(/^dave: 1 line, .* connected 20m\.$/);
    // A leave of someone never seen before still answers !seen.
    await leave(bot, 'erin', T0 + 50 * M);
    expect(await text(bot, '!seen erin')).to.equal(
      'erin was last seen 10m ago (2026-12-06 12:50 UTC), leaving.',
    );
  });

  it("keeps the channel's high-water mark: most users here at once, and when", async () => {
    bot = await start();
    // The one who asks is here too (a command is a chat line): known before asking, so the
    // answer does not depend on whether the handler or the command runs first.
    await line(bot, 'tester', 'hi', T0);
    await join(bot, 'a', T0);
    await join(bot, 'b', T0 + M);
    await line(bot, 'c', 'hello', T0 + 2 * M); // already there: a first line shows it
    await leave(bot, 'b', T0 + 3 * M);
    await leave(bot, 'c', T0 + 4 * M);
    await join(bot, 'd', T0 + 5 * M);
    await line(bot, 'a', 'still here', T0 + 6 * M);
    expect(await text(bot, '!stats')).to.equal(
      'This channel: 5 users seen, 3 lines; most here at once: 4 (2026-12-06 12:02 UTC); here now: 3.',
    );
  });

  it('counts everyone in the list of who was here when Rosey came, silent or not, without saying they joined', async () => {
    bot = await start();
    // Before this event, someone in the channel before Rosey was known only once they spoke.
    await present(bot, ['tester', 'alice', 'Bob', 'carol'], T0);
    clock = T0 + 5 * M;
    expect(await text(bot, '!stats')).to.equal(
      'This channel: 4 users seen, 0 lines; most here at once: 4 (2026-12-06 12:00 UTC); here now: 4.',
    );
    expect(await text(bot, '!seen alice')).to.equal(
      'alice is here, silent since Rosey came 5m ago (2026-12-06 12:00 UTC).',
    );
    await leave(bot, 'alice', T0 + 30 * M);
    expect(await text(bot, '!seen alice')).to.equal(
      'alice was last seen just now (2026-12-06 12:30 UTC), leaving.',
    );
    expect(await text(bot, '!stats alice')).to.match(/, connected 30m\.$/);
  });

  it('after Rosey was away, closes the stretch of whoever is no longer listed at their last sighting', async () => {
    bot = await start();
    await present(bot, ['tester', 'bob', 'carol'], T0);
    await join(bot, 'dave', T0 + 10 * M);
    await line(bot, 'dave', 'anyone?', T0 + H);
    await line(bot, 'bob', 'here', T0 + H);
    // Rosey reconnects: carol and dave left while it was away, bob and tester stayed.
    await present(bot, ['tester', 'bob'], T0 + 2 * H);
    clock = T0 + 2 * H + 5 * M;
    expect(await text(bot, '!stats')).to.equal(
      'This channel: 4 users seen, 2 lines; most here at once: 4 (2026-12-06 12:10 UTC); here now: 2.',
    );
    expect(await text(bot, '!stats dave')).to.match(
      /^dave: 1 line, .*, last seen 1h 5m ago, connected 50m\.$/,
    );
    expect(await text(bot, '!seen carol')).to.equal(
      'carol was last seen 2h 5m ago (2026-12-06 12:00 UTC), already here when Rosey came.',
    );
    // bob stayed: no leave was missed, his stretch goes on; his last line is older than the list.
    expect(await text(bot, '!stats bob')).to.match(/^bob: 1 line, .*, here now, connected 2h 5m\.$/);
    expect(await text(bot, '!seen bob')).to.equal(
      'bob is here, silent since Rosey came 5m ago (2026-12-06 14:00 UTC).',
    );
  });

  it('a partial list (a channel too big for one event) closes nobody; a list of thousands is handled in batches', async () => {
    bot = await start();
    const many = Array.from({ length: 2500 }, (_, i) => `u${i}`);
    await present(bot, ['tester', ...many], T0);
    await present(bot, ['tester'], T0 + M, true);
    expect(await text(bot, '!stats')).to.match(/; here now: 2501\.$/);
    await present(bot, ['tester', ...many.slice(1)], T0 + 2 * M);
    expect(await text(bot, '!stats')).to.equal(
      'This channel: 2,501 users seen, 0 lines; most here at once: 2501 (2026-12-06 12:00 UTC); here now: 2500.',
    );
    // Names no platform has are ignored, as in joins.
    await present(bot, ['tester', '', 'x'.repeat(101), 'line\nbreak'], T0 + 3 * M);
    expect(await text(bot, '!stats')).to.match(/^This channel: 2,501 users seen, .*; here now: 1\.$/);
    expect(await bot.eventFigures()).to.include({ failed: 0, invalid: 0, dropped: 0 });
  });

  it('applies a join and its leave in either order (two generations during a reload may swap them)', async () => {
    bot = await start();
    await leave(bot, 'frank', T0 + 30 * M);
    await join(bot, 'frank', T0);
    // A leave older than the join it comes after closes nothing.
    await join(bot, 'grace', T0 + 40 * M);
    await leave(bot, 'grace', T0 + 10 * M);
    clock = T0 + H;
    expect(await text(bot, '!stats frank')).to.equal(
      'frank: 0 lines, first seen 2026-12-06 12:00 UTC, last seen 30m ago, connected 30m.',
    );
    expect(await text(bot, '!seen grace')).to.equal(
      'grace is here (since 20m ago), last active 20m ago (2026-12-06 12:40 UTC).',
    );
  });

  it('keeps channels apart', async () => {
    bot = await start();
    await join(bot, 'alice', T0, 'other');
    expect(await text(bot, '!seen alice')).to.equal('I have not seen alice here.');
  });

  it('answers hostile input within one message, stores nothing odd, and never fails an event', async () => {
    bot = await start();
    const long = 'n'.repeat(150);
    const commands: Array<[string, RegExp]> = [
      [`!seen ${long}`, /^I have not seen n{39}… here\.$/],
      [`!stats ${long}`, /^I have not seen n{39}… here\.$/],
      ["!seen ' OR 1=1 --", /^I have not seen ' here\.$/],
      ['!seen %', /^I have not seen % here\.$/],
      ['!seen _', /^I have not seen _ here\.$/],
      ['!seen __proto__', /^I have not seen __proto__ here\.$/],
      ['!stats constructor', /^I have not seen constructor here\.$/],
      ['!seen 🦀🦀🦀', /^I have not seen 🦀🦀🦀 here\.$/],
      ['!seen \u202Eevil', /^I have not seen \u202Eevil here\.$/],
      ['!top and more words', /^Nobody has said anything here yet\.$/],
    ];
    for (const [command, expected] of commands) {
      const reply = await text(bot, command);
      expect(reply, command).to.match(expected);
      expect(reply.length, command).to.be.at.most(320);
    }
    // Names no platform has (empty, over 100 characters, control characters) are ignored, not cut
    // into someone else's; times that are not whole ms, negative or in the future become "now".
    await bot.emit.join({ user: '', rank: 0, time: T0 });
    await bot.emit.join({ user: 'x'.repeat(101), rank: 0, time: T0 });
    await leave(bot, 'line\nbreak', T0);
    await bot.emit.join({ user: 'mallory', rank: 0, time: 1.5 });
    await leave(bot, 'mallory', -1);
    await bot.emit.join({ user: 'trent', rank: 0, time: 1e300 });
    await bot.emit.message({
      user: 'trent',
      rank: 0,
      text: "'); DROP TABLE chat_stats__users;--",
      time: Number.MAX_SAFE_INTEGER,
    });
    // tester (who typed the commands), mallory and trent.
    expect(await bot.rows.count('users')).to.equal(3);
    expect(await text(bot, '!seen mallory')).to.equal(
      'mallory was last seen just now (2026-12-06 12:00 UTC), leaving.',
    );
    expect(await text(bot, '!stats trent')).to.match(
      /^trent: 1 line, first seen 2026-12-06 12:00 UTC, here now/,
    );
    expect(await bot.eventFigures()).to.include({ failed: 0, invalid: 0, dropped: 0 });
  });

  it('says stats are unavailable while storage is down, and writes the lines heard meanwhile once it is back', async () => {
    bot = await start();
    await line(bot, 'alice', 'one', T0);
    await bot.stopStorage();
    expect(await text(bot, '!top')).to.equal('Chat stats are unavailable right now; try again in a moment.');
    await line(bot, 'alice', 'kept', T0 + S);
    // Lines wait to be written (line-batch.ts): none is lost, and no event failed.
    expect((await bot.eventFigures()).failed).to.equal(0);
    await bot.startStorage();
    await line(bot, 'alice', 'two', T0 + 2 * S);
    expect(await text(bot, '!top')).to.equal('Top talkers: 1. alice 3');
  });

  it('writes waiting lines by itself within flushMs, without a command to make it', async () => {
    bot = await start({ flushMs: 200 });
    for (let i = 0; i < 5; i++) await line(bot, 'alice', `line ${i}`, T0 + i * S);
    await line(bot, 'bob', 'hi', T0 + 5 * S);
    // Read from the table, not through a command (which would write them first).
    const written = async () =>
      (await bot.rows.search('users', { filters: {}, sort: { field: 'user_key', order: 'asc' } })).map(
        (row) => [row.name, Number(row.lines), Number(row.first_seen), Number(row.last_seen)],
      );
    const deadline = Date.now() + 10_000;
    let rows = await written();
    while (rows.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      rows = await written();
    }
    expect(rows).to.deep.equal([
      ['alice', 5, T0, T0 + 4 * S],
      ['bob', 1, T0 + 5 * S, T0 + 5 * S],
    ]);
  });

  it('keeps lines waiting (one write per user, later) until a command reads them', async () => {
    bot = await start({ flushMs: 60_000 });
    for (let i = 0; i < 3; i++) await line(bot, 'alice', `line ${i}`, T0 + i * S);
    expect(await bot.rows.count('users'), 'nothing written yet').to.equal(0);
    clock = T0 + M;
    expect(await text(bot, '!stats alice')).to.match(/^alice: 3 lines, first seen 2026-12-06 12:00 UTC/);
  });

  it('lines written after a newer leave count, but do not make the user here again', async () => {
    bot = await start({ flushMs: 60_000 });
    await join(bot, 'alice', T0);
    await leave(bot, 'alice', T0 + 10 * M);
    // What a write that waited through an outage does: lines older than the leave, written after it.
    const [before] = await bot.rows.search('users', { filters: { user_key: 'alice' }, limit: 1 });
    const newly = await sawLines(bot.rows, {
      place: { platform: String(before!.platform), channel: String(before!.channel) },
      name: 'alice',
      lines: 2,
      first: T0 + M,
      last: T0 + 2 * M,
    });
    expect(newly).to.equal(false);
    const [after] = await bot.rows.search('users', { filters: { user_key: 'alice' }, limit: 1 });
    expect(after).to.deep.include({ lines: 2, here_since: null, last_action: 'leave' });
    expect(Number(after!.last_seen)).to.equal(T0 + 10 * M);
  });

  it('writes the waiting lines at its stop and at a reload’s snapshot; a snapshot that cannot fails the hand-off', async () => {
    clock = T0;
    const plugin = createChatStatsPlugin({ now: () => clock });
    bot = await testBot(plugin, { dir, config: { flushMs: 60_000 } });
    const linesOf = async (user: string) =>
      (await bot.rows.search('users', { filters: { user_key: user }, limit: 1 })).map((r) => Number(r.lines));
    await line(bot, 'alice', 'one', T0);
    await line(bot, 'alice', 'two', T0 + S);
    expect(await linesOf('alice'), 'waiting').to.deep.equal([]);
    expect(await plugin.snapshot!()).to.deep.equal({});
    expect(await linesOf('alice'), 'written by the snapshot').to.deep.equal([2]);
    await line(bot, 'bob', 'hi', T0 + 2 * S);
    await bot.stopStorage();
    let refused: unknown;
    await Promise.resolve(plugin.snapshot!()).catch((error: unknown) => (refused = error));
    expect(String(refused), 'the hand-off fails: blue keeps serving, with its lines').to.match(/not written/);
    await bot.startStorage();
    await plugin.stop!();
    expect(await linesOf('bob'), 'written at the stop').to.deep.equal([1]);
  });

  it('with flushMs 0 writes each line as it comes', async () => {
    bot = await start({ flushMs: 0 });
    await line(bot, 'alice', 'hi', T0);
    expect(await bot.rows.count('users', { user_key: 'alice' })).to.equal(1);
  });
});
