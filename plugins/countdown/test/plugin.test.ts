import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { StorageError } from 'rosey/sdk';
import { testBot, type TestBot } from 'rosey/sdk/testing';
import plugin from '../index.js';
import { NAME_RULE } from '../commands.js';
import { MINUTE } from '../when.js';

const dir = new URL('..', import.meta.url);
const HOUR_RE = /\(\w{3} \d{1,2} \w{3}( \d{4})? \d{2}:\d{2} UTC\)/;

/** Polls until `check` holds (or fails after `timeoutMs`); asserts nothing about how long it took. */
async function eventually(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

const texts = (bot: TestBot) => bot.replies.map((r) => r.text);

async function one(bot: TestBot, line: string, as = 'alice', rank = 1): Promise<string> {
  const replies = await bot.say(line, { as, rank });
  expect(replies, line).to.have.length(1);
  return replies[0]!.text;
}

describe('countdown plugin: through Rosey', () => {
  let bot: TestBot;

  before(async () => {
    bot = await testBot(plugin, { dir, config: { alertMinutes: [1] } });
  });
  after(async () => {
    await bot?.close();
  });

  it('creates, shows, lists and stores a countdown', async () => {
    expect(await one(bot, '!countdown Party in 3 days')).to.match(
      /^⏳ party: \w{3} \d{1,2} \w{3}( \d{4})? \d{2}:\d{2} UTC \(in (3 days|2 days 23 hours 59 minutes)\)\.$/,
    );
    const shown = await one(bot, '!countdown PARTY', 'bob');
    expect(shown).to.match(/^party: (3 days|2 days 23 hours 59 minutes) /);
    expect(shown).to.match(HOUR_RE);
    const [row] = await bot.rows.search('countdowns', { filters: { name: 'party' } });
    expect(row).to.include({ platform: 'test', channel: 'test', creator: 'alice', repeat_ms: null });
    expect(Number(row!.target_at) - Number(row!.created_at)).to.equal(3 * 24 * 60 * MINUTE);

    expect(await one(bot, '!countdown standup every friday 19:00')).to.match(
      /^⏳ standup: every friday 19:00 UTC; next Fri \d{1,2} \w{3}( \d{4})? 19:00 UTC \(in .+\)\.$/,
    );
    expect(await one(bot, '!countdown standup')).to.match(/, every friday 19:00 UTC\)$/);
    const list = await one(bot, '!countdown list');
    expect(list).to.match(/^Countdowns \(2\): /);
    expect(list).to.include('party 2d 23h').and.include(' ↻');
  });

  it('refuses a name that is taken, whatever its case', async () => {
    expect(await one(bot, '!countdown PARTY in 1 hour', 'carol')).to.match(/^party already exists \(party: /);
    expect(await bot.rows.count('countdowns', { name: 'party' })).to.equal(1);
  });

  it('lets only the creator or a moderator delete', async () => {
    expect(await one(bot, '!countdown delete party', 'mallory', 1)).to.equal(
      'Only alice (who made it) or a moderator can delete party.',
    );
    expect(await one(bot, '!countdown delete Party', 'ALICE', 1)).to.equal('Deleted countdown party.');
    expect(await one(bot, '!countdown delete standup', 'mod', 2)).to.equal('Deleted countdown standup.');
    expect(await one(bot, '!countdown party')).to.match(/^No countdown named party/);
    expect(await one(bot, '!countdown delete party')).to.equal('No countdown named party.');
    expect(await one(bot, '!countdown list')).to.match(/^No countdowns here/);
    expect(await bot.rows.count('countdowns')).to.equal(0);
  });

  it('answers every malformed, extra, huge or hostile line with usage or a reason, and stores nothing', async () => {
    const cases: Array<[string, RegExp]> = [
      ['!countdown', /^Usage: !countdown/],
      ['!countdown help', /^Usage: !countdown/],
      ['!countdown delete', /^Usage: !countdown delete/],
      ['!countdown delete a b', /^Usage: !countdown delete/],
      ['!countdown list extra', /^Usage: !countdown list/],
      ['!countdown in 2 hours', /^Name the countdown first/],
      ['!countdown x in 0 minutes', /more than zero/],
      ['!countdown x in 2 parsecs', /could not read that duration/],
      ['!countdown x 2026-02-30 10:00', /does not exist/],
      ['!countdown x 2020-01-01 10:00', /already passed/],
      ['!countdown x yesterday', /could not read that time/],
      ['!countdown x every', /every day HH:MM/],
      ['!countdown x every blursday 10:00', /every day HH:MM/],
      [`!countdown ${'a'.repeat(40)} in 1 hour`, new RegExp(`^${NAME_RULE}$`)],
      [`!countdown x ${'9'.repeat(1900)}`, /could not read that time/],
      ["!countdown '; DROP TABLE countdown__countdowns; -- in 1 hour", new RegExp(`^${NAME_RULE}$`)],
      ['!countdown <b>x</b> in 1 hour', new RegExp(`^${NAME_RULE}$`)],
      ['!countdown x%_ in 1 hour', new RegExp(`^${NAME_RULE}$`)],
      ['!countdown ünïcödé in 1 hour', new RegExp(`^${NAME_RULE}$`)],
      ['!countdown list in 1 hour', /^Usage: !countdown list/],
      ['!countdown x in 1 hour' + ' and 1 hour'.repeat(30), /could not read that time/],
      [`!countdown x ${'in '.repeat(99)}`, /could not read that time/],
      ['!countdown x in', /could not read that duration/],
    ];
    for (const [line, expected] of cases) {
      const reply = await one(bot, line);
      expect(reply, line).to.match(expected);
      expect(reply, line).to.not.match(/failed|timed out|unavailable/);
    }
    // Too many words for the router: its own reason, not the plugin's.
    expect(await one(bot, `!countdown x ${'in '.repeat(150)}`)).to.match(/too many arguments/);
    expect(await bot.rows.count('countdowns')).to.equal(0);
    expect(bot.logs.filter((l) => l.level === 'error')).to.deep.equal([]);
  });

  it('refuses a 51st countdown in a channel', async () => {
    const now = Date.now();
    await bot.rows.insertMany(
      'countdowns',
      Array.from({ length: 50 }, (_, i) => ({
        platform: 'test',
        channel: 'test',
        name: `filler${i}`,
        creator: 'seed',
        target_at: now + 400 * 24 * 60 * MINUTE,
        sent_until: now,
        created_at: now,
      })),
    );
    try {
      expect(await one(bot, '!countdown onemore in 1 hour')).to.match(/has 50 countdowns already/);
      expect(await one(bot, '!countdown list')).to.match(/^Countdowns \(50\): .* … and 42 more$/);
    } finally {
      await bot.rows.delete('countdowns', { creator: 'seed' });
    }
  });

  it('posts "now!" at zero through chat.send, once, and forgets a one-off countdown', async () => {
    bot.clear();
    expect(await one(bot, '!countdown soon in 2 seconds')).to.match(/^⏳ soon: .* \(in [12] seconds?\)\.$/);
    await eventually('the zero alert', () => texts(bot).includes('⏰ soon is now!'));
    expect(await bot.rows.count('countdowns', { name: 'soon' })).to.equal(0);
    // The 1-minute mark was already past when it was created: never posted.
    expect(texts(bot).filter((t) => t.includes('soon'))).to.have.length(2);
    expect(texts(bot).filter((t) => t.startsWith('⏳ soon in'))).to.deep.equal([]);
    const alert = bot.replies.find((r) => r.text === '⏰ soon is now!')!;
    expect(alert).to.include({ platform: 'test', channel: 'test', private: false });
  });
});

describe('countdown plugin: restarts', () => {
  let tmp: string;
  const bots: TestBot[] = [];
  const start = async () => {
    const bot = await testBot(plugin, {
      dir,
      config: { alertMinutes: [1] },
      database: { kind: 'sqlite', file: join(tmp, 'rosey.db') },
    });
    bots.push(bot);
    return bot;
  };

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'countdown-restart-'));
  });
  after(async () => {
    for (const bot of bots) await bot.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('loads countdowns on start, and posts each alert once across restarts', async () => {
    const first = await start();
    expect(await one(first, '!countdown keep in 2 hours')).to.match(/^⏳ keep: /);
    // Two countdowns written straight to storage, so only a later start can know them. Both reach
    // zero in 7 s; their 1-minute mark is due already: `a` has not posted it yet, `b` has.
    const target = Date.now() + 7000;
    const seed = {
      platform: 'test',
      channel: 'test',
      creator: 'seed',
      target_at: target,
      created_at: target - 5 * MINUTE,
    };
    await first.rows.insertMany('countdowns', [
      { ...seed, name: 'a', sent_until: target - 5 * MINUTE },
      { ...seed, name: 'b', sent_until: target - MINUTE },
    ]);
    await first.close();

    const second = await start();
    await eventually("a's 1-minute mark", () => texts(second).some((t) => t.startsWith('⏳ a in ')));
    const [a] = await second.rows.search('countdowns', { filters: { name: 'a' } });
    expect(a!.sent_until).to.equal(target - MINUTE);
    expect(texts(second).filter((t) => t.startsWith('⏳ '))).to.have.length(1);
    await second.close();

    const third = await start();
    await eventually('both zero alerts', () =>
      ['⏰ a is now!', '⏰ b is now!'].every((t) => texts(third).includes(t)),
    );
    // a's mark was posted by the second start and is not posted again; b's never was.
    expect(texts(third).filter((t) => t.startsWith('⏳ '))).to.deep.equal([]);
    expect(await third.rows.count('countdowns', { name: { $in: ['a', 'b'] } })).to.equal(0);
    expect(await one(third, '!countdown keep')).to.match(/^keep: 1 hour 59 minutes /);
  });

  it('rolls its migration back (the table goes) and applies it again', async () => {
    const bot = bots.at(-1)!;
    await bot.migrations.rollback();
    const gone = await bot.rows.count('countdowns').catch((error: unknown) => error);
    expect(gone).to.be.instanceOf(StorageError);
    expect((gone as StorageError).code).to.equal('UNKNOWN_TABLE');
    await bot.migrations.apply();
    expect(await bot.rows.count('countdowns')).to.equal(0);
  });
});
