import { expect } from 'chai';
import { testBot, type TestBot } from 'rosey/sdk/testing';
import plugin, { COOLDOWN_MS } from '../index.js';
import { ANSWERS, HELP, TOO_LONG } from '../eightball.js';

const dir = new URL('..', import.meta.url);

/** The answer in a `🎱 …` reply, checked to be one of the twenty. */
function expectAnswer(text: string | undefined): void {
  expect(text).to.be.a('string');
  expect(text!.startsWith('🎱 '), text).to.equal(true);
  expect(ANSWERS).to.include(text!.slice('🎱 '.length));
}

describe('magic-8ball plugin: through Rosey', () => {
  let bot: TestBot;

  // The router's default cooldown is 0 here (testBot's default): only the command's own applies.
  before(async () => {
    bot = await testBot(plugin, { dir });
  });
  after(async () => {
    await bot?.close();
  });

  it('answers a question with one of the twenty answers', async () => {
    const replies = await bot.say('!8ball will the stream start on time?', { as: 'alice' });
    expect(replies).to.have.length(1);
    expectAnswer(replies[0]!.text);
    expect(replies[0]!.private).to.equal(false);
  });

  it('answers in private to a private question', async () => {
    const replies = await bot.say('!8ball am I lucky?', { as: 'priv', private: true });
    expect(replies).to.have.length(1);
    expectAnswer(replies[0]!.text);
    expect(replies[0]!.private).to.equal(true);
  });

  it('answers usage without a question, and a reason for a huge one', async () => {
    expect((await bot.say('!8ball', { as: 'bob' })).map((r) => r.text)).to.deep.equal([HELP]);
    expect((await bot.say(`!8ball ${'why '.repeat(100)}`, { as: 'carol' })).map((r) => r.text)).to.deep.equal(
      [TOO_LONG],
    );
  });

  it('answers hostile questions without echoing them', async () => {
    const users = ['h1', 'h2', 'h3', 'h4'];
    const questions = [
      '<img src=x onerror=alert(1)>?',
      "'; DROP TABLE rosey_kv; --",
      '!8ball !8ball !8ball',
      '\u202e?sey\u0000\u0007',
    ];
    for (const [i, question] of questions.entries()) {
      const replies = await bot.say(`!8ball ${question}`, { as: users[i]! });
      expect(replies, question).to.have.length(1);
      expectAnswer(replies[0]!.text);
    }
  });

  it("applies the command's own 10 s cooldown per user: warns once, then stays quiet", async () => {
    expect(COOLDOWN_MS).to.equal(10_000);
    expectAnswer((await bot.say('!8ball first?', { as: 'dave' }))[0]?.text);
    const second = await bot.say('!8ball again?', { as: 'dave' });
    expect(second).to.have.length(1);
    expect(second[0]!.text).to.match(/^Slow down: !8ball is available to you again in (10|[1-9])s\.$/);
    expect(await bot.say('!8ball and again?', { as: 'dave' })).to.deep.equal([]);
    // Somebody else is not held up by dave's cooldown, and the user name is compared case-insensitively.
    expectAnswer((await bot.say('!8ball me too?', { as: 'erin' }))[0]?.text);
    expect(await bot.say('!8ball sneaky?', { as: 'DAVE' })).to.deep.equal([]);
  });
});

describe('magic-8ball plugin: router default cooldown', () => {
  let bot: TestBot;

  before(async () => {
    bot = await testBot(plugin, { dir, defaultCooldownMs: 3_600_000 });
  });
  after(async () => {
    await bot?.close();
  });

  it("does not take the router's default: the command declares its own", async () => {
    expectAnswer((await bot.say('!8ball one?', { as: 'frank' }))[0]?.text);
    const warned = await bot.say('!8ball two?', { as: 'frank' });
    // An hour-long default would say 3600s; the command's 10 s applies.
    expect(warned[0]?.text).to.match(/available to you again in (10|[1-9])s\.$/);
  });
});
