import { expect } from 'chai';
import { testBot, type TestBot } from 'rosey/sdk/testing';
import { createMarkovPlugin } from '../index.js';
import { seeded } from './chain.test.js';

const dir = new URL('..', import.meta.url);
const texts = (replies: Array<{ text: string }>) => replies.map((r) => r.text);

function noFailures(bot: TestBot): void {
  expect(bot.logs.filter((l) => l.level === 'error' || l.level === 'warn')).to.deep.equal([]);
}

describe('markov plugin: through Rosey', function () {
  this.timeout(60_000);

  describe('learning and talking', () => {
    let bot: TestBot;
    before(async () => {
      bot = await testBot(createMarkovPlugin(seeded(7)), { dir, config: { cooldownSeconds: 0 } });
    });
    after(() => bot?.close());
    beforeEach(() => bot.clear());

    it('learns from the chat and answers !markov with learned words', async () => {
      expect(texts(await bot.say('!markov'))).to.deep.equal([
        'I have not learned anything here yet: talk to me.',
      ]);
      await bot.say('the purple elephant dances at midnight', { as: 'alice' });
      await bot.say('a purple hat is a fine hat', { as: 'bob' });
      const said = texts(await bot.say('!markov'))[0]!;
      expect(
        said.split(' ').every((w) => 'the purple elephant dances at midnight a hat is fine'.includes(w)),
      ).to.equal(true);
      expect(texts(await bot.say('!markov elephant'))).to.deep.equal(['elephant dances at midnight']);
      expect(texts(await bot.say('!markov so the elephant'))).to.deep.equal([
        'so the elephant dances at midnight',
      ]);
      expect(texts(await bot.say('!markov giraffe'))).to.deep.equal([
        'I have never heard anyone say giraffe here.',
      ]);
      noFailures(bot);
    });

    it('learns nothing from commands, links, itself or the platform', async () => {
      const before = texts(await bot.say('!markov stats'))[0];
      await bot.say('!roll 2d6');
      await bot.say('look at https://example.org/cat');
      await bot.say('I am the bot', { as: 'Rosey', self: true });
      await bot.say('server restarting', { as: '[server]', system: true });
      expect(texts(await bot.say('!markov stats'))[0]).to.equal(before);
      expect(texts(await bot.say('!markov bot'))).to.deep.equal(['I have never heard anyone say bot here.']);
      expect(await bot.rows.count('lines', { text: { $like: '%bot%' } })).to.equal(0);
    });

    it('stores each line once, and rebuilds the model from them on a restart', async () => {
      await bot.say('zebras enjoy long walks', { as: 'carol' });
      await bot.eventFigures();
      // The writer batches: give it its moment, then the table holds the line once.
      for (
        let i = 0;
        i < 100 && (await bot.rows.count('lines', { text: 'zebras enjoy long walks' })) === 0;
        i++
      )
        await new Promise((r) => setTimeout(r, 50));
      expect(await bot.rows.count('lines', { text: 'zebras enjoy long walks' })).to.equal(1);
    });

    it('stops learning from who opts out, and forgets their lines; optin undoes it', async () => {
      await bot.say('mangoes are the best fruit', { as: 'dave' });
      const out = texts(await bot.say('!markov optout', { as: 'dave' }))[0];
      expect(out).to.equal(
        'dave: I no longer learn from you, and forgot 1 line of yours. !markov optin to undo.',
      );
      await bot.say('papayas are better still', { as: 'Dave' });
      expect(texts(await bot.say('!markov mangoes'))).to.deep.equal([
        'I have never heard anyone say mangoes here.',
      ]);
      expect(texts(await bot.say('!markov papayas'))).to.deep.equal([
        'I have never heard anyone say papayas here.',
      ]);
      expect(texts(await bot.say('!markov optin', { as: 'dave' }))).to.deep.equal([
        'dave: I learn from what you say again.',
      ]);
      await bot.say('kiwis too', { as: 'dave' });
      expect(texts(await bot.say('!markov kiwis'))).to.deep.equal(['kiwis too']);
    });

    it('forgets a user at a moderator’s word only, and audits it', async () => {
      await bot.say('quokkas smile all day', { as: 'erin' });
      expect(texts(await bot.say('!markov forget erin', { as: 'frank', rank: 1 }))).to.deep.equal([
        'Only moderators can make me forget someone.',
      ]);
      expect(texts(await bot.say('!markov forget erin', { as: 'mod', rank: 2 }))).to.deep.equal([
        'Forgot 1 line of erin here.',
      ]);
      expect(texts(await bot.say('!markov quokkas'))).to.deep.equal([
        'I have never heard anyone say quokkas here.',
      ]);
      expect(bot.audits.at(-1)).to.deep.include({ action: 'markov.forget', target: 'erin' });
      expect(bot.audits.at(-1)!.detail).to.deep.include({ lines: 1, user: 'mod' });
    });

    it('takes hostile input without failing: every line answered, nothing thrown', async () => {
      const lines: Array<[string, RegExp | null]> = [
        ['!markov forget', /^Usage: !markov forget USER$/],
        ['!markov forget a b', /^Usage: !markov forget USER$/],
        ["!markov forget x'; DROP TABLE markov__lines; --", /^Usage: !markov forget USER$/],
        ['!markov forget %', /^(Usage: !markov forget USER|Only moderators)/],
        ['!markov optout now', /^Usage: !markov/],
        ['!markov stats please', /^Usage: !markov/],
        // No word in it (longer than a word may be): a sentence without a seed.
        [`!markov ${'x'.repeat(1900)}`, /\S/],
        [
          '!markov <script>alert(1)</script>',
          /^(I have never heard anyone say <script>alert\(1\)<\/script> here\.|.+)$/,
        ],
        ['!markov __proto__ constructor', /^I have never heard anyone say constructor here\.$/],
        ['!markov \u200b\u0000', /./],
        ['!markov 💥', /^I have never heard anyone say 💥 here\.$/],
      ];
      for (const [line, expected] of lines) {
        const replies = await bot.say(line, { as: 'mallory', rank: 2 });
        expect(replies, line).to.have.length(1);
        if (expected) expect(replies[0]!.text, line).to.match(expected);
      }
      // Hostile chat lines are learned or skipped, never a failure.
      for (const line of [
        '',
        '\u0000\u0001',
        'z'.repeat(100_000),
        '💥'.repeat(1000),
        '__proto__',
        'constructor toString',
      ]) {
        await bot.say(line, { as: 'mallory' });
      }
      const figures = await bot.eventFigures();
      expect({ failed: figures.failed, invalid: figures.invalid, dropped: figures.dropped }).to.deep.equal({
        failed: 0,
        invalid: 0,
        dropped: 0,
      });
      expect(texts(await bot.say('!markov constructor'))).to.deep.equal(['constructor toString']);
      noFailures(bot);
    });
  });

  describe('answering when mentioned', () => {
    let bot: TestBot;
    before(async () => {
      bot = await testBot(createMarkovPlugin(seeded(3)), {
        dir,
        config: { replyChance: 1, replyCooldownSeconds: 3600, names: ['rosey'] },
      });
    });
    after(() => bot?.close());

    it('answers a mention with the chance, once per cooldown; never without the chance', async () => {
      await bot.say('penguins waddle on the ice', { as: 'alice' });
      const first = await bot.say('hey rosey, what about penguins?', { as: 'bob' });
      expect(texts(first)).to.have.length(1);
      expect(texts(first)[0]).to.match(/penguins/);
      expect(await bot.say('rosey? penguins?', { as: 'carol' })).to.deep.equal([]); // in the cooldown
      const quiet = await testBot(createMarkovPlugin(seeded(3)), { dir, config: { names: ['rosey'] } });
      try {
        await quiet.say('penguins waddle on the ice', { as: 'alice' });
        expect(await quiet.say('hey rosey, penguins?', { as: 'bob' })).to.deep.equal([]);
      } finally {
        await quiet.close();
      }
    });
  });

  it('refuses bad configuration at start, naming the key', async () => {
    let error: unknown;
    try {
      const bot = await testBot(createMarkovPlugin(), { dir, config: { replyChance: 7 } });
      await bot.close();
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/markov: config replyChance must be a number from 0 to 1/);
  });
});
