import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError } from 'rosey/sdk';
import { testBot, type TestBot } from 'rosey/sdk/testing';
import { CircuitBreaker } from '../circuit-breaker.js';
import { createQuoteDbPlugin, FULL } from '../index.js';
import { QuoteStore } from '../store.js';

const dir = new URL('..', import.meta.url);
const UNAVAILABLE = 'Quotes are unavailable right now (storage is not answering); try again in a minute.';

/** The one reply a line produced (fails on silence or several). */
async function ask(bot: TestBot, line: string, as?: { as?: string; rank?: number }) {
  const replies = await bot.say(line, as);
  expect(replies, `replies to ${line}`).to.have.length(1);
  return replies[0]!;
}
const text = async (bot: TestBot, line: string, as?: { as?: string; rank?: number }) =>
  (await ask(bot, line, as)).text;

function noTrouble(bot: TestBot): void {
  expect(bot.logs.filter((l) => l.level === 'error' || l.level === 'warn')).to.deep.equal([]);
}

describe('quote-db plugin: through Rosey', function () {
  this.timeout(60_000);
  let bot: TestBot;

  describe('reading and writing quotes', () => {
    before(async () => {
      bot = await testBot(createQuoteDbPlugin(), { dir });
    });
    after(() => bot.close());

    it('starts with the seed quotes of migration 001, scored by 002 and tagged by 003', async () => {
      expect(await text(bot, '!quote count')).to.equal('Total quotes: 8');
      expect(await text(bot, '!quote 1')).to.equal('#1: "Keep #circulating the #tapes." — MST3K (score 5)');
      expect(await text(bot, '!quote get #7')).to.equal(`#7: "It's not a bug, it's a #feature." (score 5)`);
      expect(await bot.rows.select('quotes', 1)).to.deep.include({ tags: ['circulating', 'tapes'] });
      expect(await text(bot, '!quote')).to.match(/^#[1-8]: ".+" .*\(score 5\)$/);
      expect(await text(bot, '!quote random')).to.match(/^#[1-8]: "/);
    });

    it('adds a quote with an author, counts it, shows it, and records an audit event', async () => {
      expect(await text(bot, "!quote add Keep it #simple -- Zoë O'Brien", { as: 'alice' })).to.equal(
        'Quote #9 added.',
      );
      expect(await text(bot, '!quote count')).to.equal('Total quotes: 9');
      expect(await text(bot, '!quote 9')).to.equal('#9: "Keep it #simple" — Zoë O\'Brien (score 0)');
      const row = await bot.rows.select('quotes', 9);
      expect(row).to.deep.include({
        text: 'Keep it #simple',
        author: "Zoë O'Brien",
        added_by: 'alice',
        tags: ['simple'],
      });
      expect(Number(row!.timestamp)).to.be.closeTo(Date.now() / 1000, 60);
      const audit = bot.audits.find((a) => a.action === 'quote-db.add' && a.target === 'quote #9');
      expect(audit?.detail).to.deep.include({
        user: 'alice',
        author: "Zoë O'Brien",
        text: 'Keep it #simple',
      });
      noTrouble(bot);
    });

    it('stores SQL-looking and odd text verbatim, and the table survives it', async () => {
      const hostile = "Robert'); DROP TABLE quote_db__quotes;-- 100% _sure_ \\o/";
      const added = await text(bot, `!quote add ${hostile}`);
      const id = Number(/^Quote #(\d+) added\.$/.exec(added)?.[1]);
      expect((await bot.rows.select('quotes', id))?.text).to.equal(hostile);
      expect(await text(bot, `!quote ${id}`)).to.equal(`#${id}: "${hostile}" (score 0)`);
      // `%` and `_` are searched for literally, not as patterns.
      expect(await text(bot, '!quote search 100%')).to.match(
        new RegExp(`^Found 1 quote for "100%": #${id} — `),
      );
      expect(await text(bot, '!quote search _sure_')).to.match(
        new RegExp(`^Found 1 quote for "_sure_": #${id} — `),
      );
      expect(await bot.rows.count('quotes')).to.be.greaterThan(9);
    });

    it('searches text and author in any case, and tags with #tag', async () => {
      expect(await text(bot, '!quote search KNUTH')).to.equal(
        'Found 1 quote for "KNUTH": #4 — #4: "Premature optimization is the root of all evil." — Donald Knuth (score 5)',
      );
      expect(await text(bot, '!quote search the')).to.match(
        /^Found 4 quotes for "the": #1, #4, #5, #6 — #1: /,
      );
      expect(await text(bot, '!quote search #TAPES')).to.match(/^Found 1 quote for "#TAPES": #1 — #1: "Keep/);
      expect(await text(bot, '!quote search zebra')).to.equal('No quotes found for "zebra".');
      expect(await text(bot, '!quote search #zebra')).to.equal('No quotes found for "#zebra".');
    });

    it('tags and untags: anyone registered tags, only the adder or a moderator untags', async () => {
      expect(await text(bot, '!quote tag 2 #Erlang', { as: 'carol' })).to.equal('#2 tags: #erlang');
      expect(await text(bot, '!quote tag 2 otp', { as: 'dave' })).to.equal('#2 tags: #erlang #otp');
      expect(await text(bot, '!quote tag 2 otp', { as: 'dave' })).to.equal('#2 tags: #erlang #otp');
      expect(await text(bot, '!quote search #otp')).to.match(/^Found 1 quote for "#otp": #2 — /);
      const refused = await ask(bot, '!quote untag 2 otp', { as: 'dave' });
      expect(refused).to.deep.include({ private: true });
      expect(refused.text).to.equal('Only rosey (who added it) or a moderator can remove tags from #2.');
      expect(await text(bot, '!quote untag 2 otp', { as: 'mod', rank: 2 })).to.equal('#2 tags: #erlang');
      expect(await text(bot, '!quote tag 999 fun')).to.equal('Quote #999 not found.');
      expect((await ask(bot, '!quote tag 2 fun', { as: 'guest', rank: 0 })).text).to.equal(
        'Only registered users can tag quotes.',
      );
    });

    it('deletes: the adder or a moderator, with the whole quote kept in the audit event', async () => {
      expect(await text(bot, '!quote add mine to delete', { as: 'erin' })).to.equal(`Quote #11 added.`);
      const refused = await ask(bot, '!quote delete 11', { as: 'frank' });
      expect(refused).to.deep.include({
        private: true,
        text: 'Only erin (who added it) or a moderator can delete #11.',
      });
      expect(await text(bot, '!quote delete 11', { as: 'ERIN' })).to.equal('Quote #11 deleted.');
      expect(await text(bot, '!quote 11')).to.equal('Quote #11 not found.');
      expect(await text(bot, '!quote delete 11', { as: 'erin' })).to.equal('Quote #11 not found.');
      expect(await text(bot, '!quote delete 8', { as: 'mod', rank: 2 })).to.equal('Quote #8 deleted.');
      const audit = bot.audits.find((a) => a.action === 'quote-db.delete' && a.target === 'quote #11');
      expect(audit?.detail).to.deep.include({ user: 'ERIN', text: 'mine to delete', addedBy: 'erin' });
      expect(await bot.rows.select('quotes', 8)).to.equal(undefined);
    });

    it('votes once per user, never on your own quote, within [-100, 100]', async () => {
      expect(await text(bot, '!quote upvote 9', { as: 'bob' })).to.equal('Quote #9 score: 1 (+1)');
      expect((await ask(bot, '!quote downvote 9', { as: 'BOB' })).text).to.equal('You already voted on #9.');
      expect(await text(bot, '!quote downvote 9', { as: 'carol' })).to.equal('Quote #9 score: 0 (-1)');
      expect((await ask(bot, '!quote upvote 9', { as: 'alice' })).text).to.equal(
        'You cannot vote on a quote you added.',
      );
      expect(await text(bot, '!quote upvote 404')).to.equal('Quote #404 not found.');
      expect((await ask(bot, '!quote upvote 9', { as: 'guest', rank: 0 })).text).to.equal(
        'Only registered users can vote.',
      );
    });

    it('100 concurrent upvotes from 100 users make exactly +100; the score stays within its bounds', async () => {
      const id = Number(
        /#(\d+)/.exec(await text(bot, '!quote add a quote the channel loves', { as: 'owner', rank: 3 }))?.[1],
      );
      const users = Array.from({ length: 100 }, (_, i) => `fan${i}`);
      // All at once; a reply cannot be told apart by who asked, so they are read together after.
      bot.clear();
      await Promise.all(users.map((u) => bot.say(`!quote upvote ${id}`, { as: u })));
      const replies = bot.replies.filter((r) => r.text.startsWith(`Quote #${id} score: `));
      expect(replies, bot.replies.map((r) => r.text).join('\n')).to.have.length(100);
      expect((await bot.rows.select('quotes', id))?.score).to.equal(100);
      // Every intermediate score was seen once: each vote was its own atomic step.
      const scores = replies
        .map((r) => Number(/score: (\d+) \(\+1\)$/.exec(r.text)?.[1]))
        .sort((a, b) => a - b);
      expect(scores).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
      await Promise.all(['late1', 'late2', 'late3'].map((u) => bot.say(`!quote upvote ${id}`, { as: u })));
      expect((await bot.rows.select('quotes', id))?.score).to.equal(100);

      const low = Number(
        /#(\d+)/.exec(await text(bot, '!quote add a quote nobody likes', { as: 'owner', rank: 3 }))?.[1],
      );
      await Promise.all(
        Array.from({ length: 105 }, (_, i) => bot.say(`!quote downvote ${low}`, { as: `critic${i}` })),
      );
      expect((await bot.rows.select('quotes', low))?.score).to.equal(-100);
      expect(await text(bot, `!quote ${low}`)).to.match(/\(score -100\)$/);
    });

    it('shows the top quotes by score', async () => {
      expect(await text(bot, '!quote top 2')).to.match(
        /^Top 2: #\d+ \(100\) "a quote the channel loves" · #\d \(5\) "/,
      );
      expect(await text(bot, '!quote top 11')).to.equal(
        '!quote top takes a number from 1 to 10. Usage: !quote top [N]',
      );
    });

    it('answers bad input with usage or a reason, and never fails', async () => {
      bot.clear();
      const table: [string, string | RegExp][] = [
        ['!quote get', 'Usage: !quote [ID] | quote get ID'],
        ['!quote get -1', 'A quote id is a number, like 42. Usage: !quote [ID] | quote get ID'],
        ['!quote 99999999999', 'A quote id is a number, like 42. Usage: !quote [ID] | quote get ID'],
        ['!quote add', 'The quote is empty. Usage: !quote add TEXT [-- AUTHOR]'],
        [
          `!quote add ${'x'.repeat(1001)}`,
          'That quote is 1001 characters; the limit is 1000. Usage: !quote add TEXT [-- AUTHOR]',
        ],
        ['!quote add text -- <script>alert(1)</script>', /^An author is letters, digits, spaces and/],
        [
          '!quote search',
          'Search for what? !quote search <words or #tag> Usage: !quote search WORDS | quote search #TAG',
        ],
        [`!quote search ${'y'.repeat(101)}`, /^Search terms are at most 100 characters\./],
        ['!quote delete x', 'A quote id is a number, like 42. Usage: !quote delete ID'],
        ['!quote upvote', 'Usage: !quote upvote ID | quote downvote ID'],
        ['!quote top many', /^!quote top takes a number from 1 to 10\./],
        ['!quote tag 1', 'Usage: !quote tag ID TAG | quote untag ID TAG'],
        ['!quote feature constructor on', 'Usage: !quote feature [add|search|vote] [on|off]'],
        ["!quote 1' OR '1'='1", 'Quotes: /'],
        ['!quote frobnicate', 'Quotes: /'],
      ];
      for (const [line, expected] of table) {
        const reply = await text(bot, line);
        if (expected === 'Quotes: /') expect(reply, line).to.match(/^Quotes: !quote \[ID\]/);
        else if (typeof expected === 'string') expect(reply, line).to.equal(expected);
        else expect(reply, line).to.match(expected);
      }
      noTrouble(bot);
      expect(await bot.rows.count('quotes')).to.be.greaterThan(8);
    });
  });

  describe('limits and switches', () => {
    before(async () => {
      // Mid-hour on a fixed clock: the hourly limit cannot roll over while the test runs.
      const now = () => Date.UTC(2026, 10, 22, 12, 30);
      bot = await testBot(createQuoteDbPlugin({ now }), { dir, config: { rateLimits: { moderator: 3 } } });
    });
    after(() => bot.close());

    it('refuses the 11th add in an hour of a user; moderators have their own limit; admins none', async () => {
      for (let i = 1; i <= 10; i++)
        expect(await text(bot, `!quote add user quote ${i}`, { as: 'ursula' }), `add ${i}`).to.match(
          /^Quote #\d+ added\.$/,
        );
      const eleventh = await ask(bot, '!quote add one too many', { as: 'ursula' });
      expect(eleventh).to.deep.include({
        private: true,
        text: 'You can add 10 quotes an hour; try again later.',
      });
      expect(await bot.rows.count('quotes', { added_by: 'ursula' })).to.equal(10);
      // The limit is per user: someone else still may.
      expect(await text(bot, '!quote add another user', { as: 'victor' })).to.match(/added\.$/);

      for (let i = 1; i <= 3; i++)
        expect(await text(bot, `!quote add mod ${i}`, { as: 'mia', rank: 2 })).to.match(/added\.$/);
      expect((await ask(bot, '!quote add mod 4', { as: 'mia', rank: 2 })).text).to.equal(
        'You can add 3 quotes an hour; try again later.',
      );
      for (let i = 1; i <= 15; i++)
        expect(await text(bot, `!quote add admin ${i}`, { as: 'ada', rank: 3 })).to.match(/added\.$/);
    });

    it('lets only admins switch features, and honours them', async () => {
      expect(await text(bot, '!quote feature')).to.equal('Quote features: add on, search on, vote on.');
      expect((await ask(bot, '!quote feature search off', { as: 'mod', rank: 2 })).text).to.equal(
        'Only admins can switch quote features.',
      );
      expect(await text(bot, '!quote feature search off', { as: 'ada', rank: 3 })).to.equal(
        'Quote search is now off.',
      );
      expect(await text(bot, '!quote search tapes')).to.equal('Quote search is turned off here.');
      expect(await text(bot, '!quote feature search')).to.equal('Quote features: search off.');
      expect(await bot.kv.get('feature:search')).to.equal(false);
      expect(await text(bot, '!quote feature search on', { as: 'ada', rank: 3 })).to.equal(
        'Quote search is now on.',
      );
      expect(await text(bot, '!quote search tapes')).to.match(/^Found 1 quote/);
      expect(await text(bot, '!quote feature vote off', { as: 'ada', rank: 3 })).to.equal(
        'Quote vote is now off.',
      );
      expect(await text(bot, '!quote upvote 1', { as: 'victor' })).to.equal(
        'Voting on quotes is turned off here.',
      );
      expect(
        bot.audits.filter((a) => a.action === 'quote-db.feature').map((a) => [a.target, a.detail.on]),
      ).to.deep.equal([
        ['search', false],
        ['search', true],
        ['vote', false],
      ]);
    });
  });

  describe('restarts and outages', () => {
    let tmp: string;
    before(() => {
      tmp = mkdtempSync(join(tmpdir(), 'quote-db-test-'));
    });
    after(() => rmSync(tmp, { recursive: true, force: true }));

    it('keeps every quote across a restart', async () => {
      const database = { kind: 'sqlite' as const, file: join(tmp, 'rosey.db') };
      const first = await testBot(createQuoteDbPlugin(), { dir, database });
      try {
        expect(await text(first, '!quote add survives restarts -- Me', { as: 'amy' })).to.equal(
          'Quote #9 added.',
        );
        expect(await text(first, '!quote upvote 9', { as: 'ben' })).to.equal('Quote #9 score: 1 (+1)');
      } finally {
        await first.close();
      }
      const second = await testBot(createQuoteDbPlugin(), { dir, database });
      try {
        expect(await text(second, '!quote 9')).to.equal('#9: "survives restarts" — Me (score 1)');
        expect(await text(second, '!quote count')).to.equal('Total quotes: 9');
        expect((await ask(second, '!quote upvote 9', { as: 'ben' })).text).to.equal(
          'You already voted on #9.',
        );
      } finally {
        await second.close();
      }
    });

    it('says quotes are unavailable while storage is down, fails fast, and recovers when it is back', async () => {
      // Opens after 3 failed commands, for 5 s (15 s in production), on a clock the test moves on
      // instead of waiting those seconds out.
      let skipped = 0;
      const clock = () => Date.now() + skipped;
      const plugin = createQuoteDbPlugin({
        store: (ctx) =>
          new QuoteStore(ctx.rows, ctx.kv, {
            breaker: new CircuitBreaker(3, 5000, clock),
            onRetry: (error, attempt) => ctx.log.warn(`quote-db: storage ${error.code}, retry ${attempt}`),
          }),
      });
      bot = await testBot(plugin, { dir, commandTimeoutMs: 10_000 });
      try {
        expect(await text(bot, '!quote 1')).to.match(/^#1: /);
        await bot.stopStorage();
        expect(await text(bot, '!quote 1')).to.equal(UNAVAILABLE);
        expect(await text(bot, '!quote add while down')).to.equal(UNAVAILABLE);
        expect(await text(bot, '!quote count')).to.equal(UNAVAILABLE);
        expect(bot.logs.some((l) => l.level === 'warn' && /NO_RESPONDERS, retry 2/.test(l.msg))).to.equal(
          true,
        );
        // Three failed commands opened the circuit: the next one is refused without asking storage.
        bot.clear();
        expect(await text(bot, '!quote 2')).to.equal(UNAVAILABLE);
        expect(bot.logs.map((l) => l.msg)).to.deep.equal(['quote-db: quotes are unavailable (CIRCUIT_OPEN)']);
        await bot.startStorage();
        // Storage answers again; once the circuit's open time has passed, the next command gets through.
        skipped += 5000;
        expect(await text(bot, '!quote 1')).to.equal('#1: "Keep #circulating the #tapes." — MST3K (score 5)');
        expect(await bot.rows.count('quotes', { text: 'while down' })).to.equal(0);
      } finally {
        await bot.close();
      }
    });

    // Issue 15 defect 8: a full disk was answered DATABASE_ERROR and told to chat as "storage is not
    // answering". Storage's own STORAGE_FULL (test/storage/storage-full.test.ts) is simulated here at
    // the plugin's storage client: inserts refused while `full`, as storage refuses them.
    it('says storage is full (ask the operator) when a quote cannot be saved, keeps reading, and gives the add back', async () => {
      let full = true;
      const plugin = createQuoteDbPlugin({
        store: (ctx, config) =>
          new QuoteStore(
            {
              ...ctx.rows,
              insert: (table, data) =>
                full
                  ? Promise.reject(
                      new StorageError('STORAGE_FULL', 'storage is full: database or disk is full'),
                    )
                  : ctx.rows.insert(table, data),
            },
            ctx.kv,
            { countCacheSeconds: config.countCacheSeconds },
          ),
      });
      bot = await testBot(plugin, { dir, config: { rateLimits: { user: 1 } } });
      try {
        expect(await text(bot, '!quote add no room -- Me', { as: 'amy' })).to.equal(FULL);
        expect(bot.logs.map((l) => `${l.level} ${l.msg}`)).to.deep.equal([
          'error quote-db: add refused: storage is full: database or disk is full',
        ]);
        // Reads still work: a full disk does not open the circuit.
        for (let i = 0; i < 4; i++)
          expect(await text(bot, '!quote add no room -- Me', { as: 'amy' })).to.equal(FULL);
        expect(await text(bot, '!quote 1')).to.match(/^#1: /);
        expect(await bot.rows.count('quotes', { text: 'no room' })).to.equal(0);
        // Once there is room, amy's one add an hour was never used up by the refused ones.
        full = false;
        expect(await text(bot, '!quote add room again -- Me', { as: 'amy' })).to.match(
          /^Quote #\d+ added\.$/,
        );
      } finally {
        await bot.close();
      }
    });
  });
});
