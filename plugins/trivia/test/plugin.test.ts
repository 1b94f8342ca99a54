import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBot, type TestBot } from 'rosey/sdk/testing';
import { createTriviaPlugin } from '../index.js';

const dir = new URL('..', import.meta.url);

/** The game's questions, and how to answer each: right letter/text, a wrong one, base points. */
const QUESTIONS = [
  {
    category: 'Geography',
    difficulty: 'medium',
    question: 'What is the capital of France?',
    choices: ['Berlin', 'Paris', 'Rome', 'Madrid'],
    answer: 'B',
  },
  {
    category: 'Science',
    difficulty: 'easy',
    question: 'What is the chemical symbol for gold?',
    answer: 'Au',
    alternates: ['Aurum'],
  },
  {
    category: 'Maths',
    difficulty: 'hard',
    question: 'What is 2 to the power of 10?',
    choices: ['512', '1000', '1024', '2048'],
    answer: 'C',
  },
];
const ANSWERS: Record<
  string,
  { right: string; wrong: string; plain: string; plainWrong?: string; base: number; reveal: string }
> = {
  'capital of France': {
    right: 'paris',
    wrong: 'A',
    plain: 'Paris!',
    plainWrong: 'berlin',
    base: 2,
    reveal: 'B) Paris',
  },
  'symbol for gold': { right: 'AURUM', wrong: 'Ag', plain: 'au', base: 1, reveal: 'Au' },
  '2 to the power': {
    right: 'c',
    wrong: '512',
    plain: '1024',
    plainWrong: '2048',
    base: 3,
    reveal: 'C) 1024',
  },
};

const texts = (bot: TestBot) => bot.replies.map((r) => r.text);

/** Polls the replies until one matches (never asserts elapsed time; only gives up after `ms`). */
async function waitFor(bot: TestBot, pattern: RegExp, count = 1, ms = 10_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = texts(bot).filter((t) => pattern.test(t));
    if (found.length >= count) return found;
    if (Date.now() > deadline)
      throw new Error(`no ${count}× ${pattern} in replies:\n${texts(bot).join('\n')}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

/** How to answer the question of round `round` (once it has been posted). */
async function question(bot: TestBot, round: number) {
  const [line] = await waitFor(bot, new RegExp(`^Trivia ${round}/\\d+ · `));
  const key = Object.keys(ANSWERS).find((k) => line!.includes(k));
  if (!key) throw new Error(`unknown question: ${line}`);
  return ANSWERS[key]!;
}

function noFailures(bot: TestBot): void {
  expect(texts(bot).filter((t) => /failed|error/i.test(t))).to.deep.equal([]);
  expect(bot.logs.filter((l) => l.level === 'error' || l.level === 'warn')).to.deep.equal([]);
}

describe('trivia plugin: through Rosey', () => {
  let tmp: string;
  let file: string;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'trivia-test-'));
    file = join(tmp, 'questions.json');
    writeFileSync(file, JSON.stringify(QUESTIONS));
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe('trivia plugin: playing through Rosey (answers)', function () {
    // 30 s questions: every answer the test gives is within the first third, so it earns the bonus;
    // a 30 s pause keeps the game between questions until the test moves on.
    let bot: TestBot;

    before(async () => {
      bot = await testBot(createTriviaPlugin(), {
        dir,
        config: { questionSeconds: 30, pauseSeconds: 30, questionFile: file },
      });
    });

    after(() => bot?.close());

    beforeEach(() => bot.clear());

    afterEach(async () => {
      await bot.say('!trivia stop', { as: 'admin', rank: 3 });
    });

    it('posts the intro and the question itself, one game per channel', async () => {
      const said = await bot.say('!trivia start 2', { as: 'alice' });
      expect(said.map((r) => r.text)).to.deep.equal(texts(bot)); // posted while the command ran
      const [intro, first] = texts(bot);
      expect(intro).to.equal(
        'Trivia! 2 rounds of 30 s, started by alice. Answer in the chat, or with !a <letter or answer>; one try per question.',
      );
      expect(first).to.match(/^Trivia 1\/2 · \w+ · (easy|medium|hard) \(\d pts?\): /);
      expect(bot.replies.every((r) => !r.private && r.channel === 'test')).to.equal(true);
      const again = await bot.say('!trivia start', { as: 'bob' });
      expect(again.map((r) => r.text)).to.deep.equal([
        'A trivia game is already running here (round 1/2, started by alice).',
      ]);
      noFailures(bot);
    });

    it('lets the first right answer win, and gives each user one attempt', async () => {
      await bot.say('!trivia start 1', { as: 'alice' });
      const q = await question(bot, 1);
      const wrong = await bot.say(`!a ${q.wrong}`, { as: 'bob' });
      expect(wrong).to.deep.equal([
        {
          text: 'Not it, sorry: one try per question.',
          private: true,
          to: 'bob',
          platform: 'test',
          channel: 'test',
        },
      ]);
      const again = await bot.say(`!a ${q.right}`, { as: 'bob' });
      expect(again.map((r) => [r.text, r.private])).to.deep.equal([
        ['You already answered this question.', true],
      ]);
      // Two right answers at once: exactly one wins.
      await Promise.all([
        bot.say(`!answer ${q.right}`, { as: 'carol' }),
        bot.say(`!a ${q.right}`, { as: 'dave' }),
      ]);
      const winners = texts(bot).filter((t) => / got it: /.test(t));
      expect(winners).to.have.length(1);
      const winner = winners[0]!.startsWith('carol') ? 'carol' : 'dave';
      expect(winners[0]).to.equal(
        `${winner} got it: ${q.reveal}! +${q.base + 1} (${q.base} + 1 speed bonus) — ${q.base + 1} this game.`,
      );
      const loser = winner === 'carol' ? 'dave' : 'carol';
      expect(bot.replies.filter((r) => r.to === loser).map((r) => r.text)).to.deep.equal([
        'No trivia game is running here. Start one with !trivia start.',
      ]);
      await waitFor(bot, new RegExp(`^Trivia over! Final scores: 1\\. ${winner} ${q.base + 1}\\.$`));
      noFailures(bot);
    });

    it('lets only the starter or a moderator skip or stop', async () => {
      await bot.say('!trivia start 3', { as: 'alice' });
      const q = await question(bot, 1);
      for (const what of ['skip', 'stop']) {
        const refused = await bot.say(`!trivia ${what}`, { as: 'bob', rank: 1 });
        expect(refused.map((r) => [r.text, r.private])).to.deep.equal([
          [`Only alice (who started the game) or a moderator can ${what} it.`, true],
        ]);
      }
      await bot.say('!trivia skip', { as: 'mod', rank: 2 });
      expect(texts(bot)).to.include(`Skipped by mod. The answer was ${q.reveal}.`);
      // Nothing is open during the pause.
      expect((await bot.say('!trivia skip', { as: 'ALICE' })).map((r) => r.text)).to.deep.equal([
        'No question is open right now.',
      ]);
      expect((await bot.say('!a B', { as: 'bob' })).map((r) => r.text)).to.deep.equal([
        'No question is open right now; wait for the next one.',
      ]);
      await bot.say('!trivia stop', { as: 'Alice', rank: 0 }); // the starter, whatever the case of the name
      expect(texts(bot).at(-1)).to.equal(
        'Trivia stopped by Alice after 1 of 3 rounds. Scores: nobody scored.',
      );
      expect((await bot.say('!trivia stop', { as: 'alice' })).map((r) => r.text)).to.deep.equal([
        'No trivia game is running here.',
      ]);
      noFailures(bot);
    });

    it('keeps a per-channel leaderboard and stats in its table', async () => {
      await bot.rows.delete('scores', {}, { all: true });
      expect((await bot.say('!trivia top')).map((r) => r.text)).to.deep.equal(['No trivia scores here yet.']);
      const earned: Record<string, number> = { bob: 0, carol: 0 };
      for (let game = 0; game < 2; game++) {
        await bot.say('!trivia start 2', { as: 'alice' });
        const q1 = await question(bot, 1);
        await bot.say(`!a ${q1.wrong}`, { as: 'dave' });
        await bot.say(`!a ${q1.right}`, { as: 'bob' });
        earned.bob! += q1.base + 1;
        await bot.say('!trivia stop', { as: 'alice' });
        bot.clear();
      }
      await bot.say('!trivia start 1', { as: 'alice' });
      const q = await question(bot, 1);
      await bot.say(`!a ${q.right}`, { as: 'Carol' });
      earned.carol! += q.base + 1;
      await waitFor(bot, /^Trivia over!/);

      const board = await bot.rows.search('scores', { sort: { field: 'player_key' } });
      expect(board.map((r) => [r.player, r.points, r.correct, r.games, r.platform, r.channel])).to.deep.equal(
        [
          ['bob', earned.bob, 2, 2, 'test', 'test'],
          ['Carol', earned.carol, 1, 1, 'test', 'test'],
          ['dave', 0, 0, 2, 'test', 'test'],
        ],
      );
      // Points first; on a tie bob's two right answers beat Carol's one.
      const order = earned.carol! > earned.bob! ? ['Carol', 'bob'] : ['bob', 'Carol'];
      const pts = (name: string) => (name === 'bob' ? earned.bob : earned.carol);
      expect((await bot.say('!trivia top')).map((r) => r.text)).to.deep.equal([
        `Trivia top 2: 1. ${order[0]} ${pts(order[0]!)} · 2. ${order[1]} ${pts(order[1]!)}`,
      ]);
      expect((await bot.say('!trivia stats BOB')).map((r) => r.text)).to.deep.equal([
        `bob: ${earned.bob} points (#${earned.carol! > earned.bob! ? 2 : 1}), 2 right answers, 2 games.`,
      ]);
      expect((await bot.say('!trivia stats carol')).map((r) => r.text)).to.deep.equal([
        `Carol: ${earned.carol} points (#${earned.bob! > earned.carol! ? 2 : 1}), 1 right answer, 1 game.`,
      ]);
      expect((await bot.say('!trivia stats', { as: 'dave' })).map((r) => r.text)).to.deep.equal([
        'dave: 0 points (#3), 0 right answers, 2 games.',
      ]);
      expect((await bot.say('!trivia stats nobody')).map((r) => r.text)).to.deep.equal([
        'nobody has no trivia score here yet.',
      ]);
      noFailures(bot);
    });

    it('counts a plain answer in the chat; chatter, bare letters and its own lines use no attempt', async () => {
      await bot.say('!trivia start 1', { as: 'alice' });
      const q = await question(bot, 1);
      bot.clear();
      // Chatter, a bare letter (chat is full of them), the bot's own line and a platform line: nothing.
      for (const [line, who, flags] of [
        ['hello everyone', 'bob', {}],
        ['b', 'bob', {}],
        ['c', 'bob', {}],
        [q.plain, 'Rosey', { self: true }],
        [q.plain, '[server]', { system: true }],
      ] as const)
        expect(await bot.say(line, { as: who, ...flags }), line).to.deep.equal([]);
      // A wrong choice typed out is an attempt: silent in the channel, and it uses the try.
      if (q.plainWrong) {
        expect(await bot.say(q.plainWrong, { as: 'carol' })).to.deep.equal([]);
        expect((await bot.say(q.plain, { as: 'carol' })).map((r) => r.text)).to.deep.equal([]);
      }
      // bob only chatted: his plain right answer wins, in the channel, as `!a` would.
      const won = await bot.say(q.plain, { as: 'bob' });
      expect(won.map((r) => r.text)).to.deep.equal([
        `bob got it: ${q.reveal}! +${q.base + 1} (${q.base} + 1 speed bonus) — ${q.base + 1} this game.`,
        `Trivia over! Final scores: 1. bob ${q.base + 1}.`,
      ]);
      noFailures(bot);
    });

    it('takes any hostile chat line during a game without a reply or a failure', async () => {
      await bot.say('!trivia start 2', { as: 'alice' });
      await question(bot, 1);
      bot.clear();
      const lines = [
        '',
        ' ',
        '\u200b',
        'z'.repeat(10_000),
        '<script>alert(1)</script>',
        "'; DROP TABLE trivia__scores; --",
        '💥💥💥',
        'A\u0000B',
        '%s%s%n',
        '../../etc/passwd',
        '!',
        '!!a paris',
        '__proto__',
        'constructor',
      ];
      for (const line of lines)
        expect(await bot.say(line, { as: 'mallory' }), JSON.stringify(line)).to.deep.equal([]);
      const figures = await bot.eventFigures();
      expect({ failed: figures.failed, invalid: figures.invalid, dropped: figures.dropped }).to.deep.equal({
        failed: 0,
        invalid: 0,
        dropped: 0,
      });
      noFailures(bot);
    });

    it('answers bad input with usage or a reason, and never fails', async () => {
      const help =
        /^Usage: !trivia start \[ROUNDS 1-50, default 10\] \| stop \| skip \| top \| stats \[USER\]/;
      const rounds = /^Rounds must be a whole number from 1 to 50\./;
      const cases: Array<[string, RegExp]> = [
        ['!trivia', help],
        ['!trivia bogus', help],
        ['!trivia START 2 3', help],
        ['!trivia stop now', help],
        ['!trivia skip it', help],
        ['!trivia top 5', help],
        ['!trivia stats a b', help],
        ['!trivia start 0', rounds],
        ['!trivia start 51', rounds],
        ['!trivia start -1', rounds],
        ['!trivia start 2.5', rounds],
        ['!trivia start 1e1', rounds],
        ['!trivia start ten', rounds],
        [`!trivia start ${'9'.repeat(1500)}`, rounds],
        ["!trivia stats x'; DROP TABLE trivia__scores; --", help],
        ["!trivia stats x';DROP", /^Usage: !trivia stats \[USER\]/],
        ['!trivia stats %', /^Usage: !trivia stats \[USER\]/],
        [`!trivia stats ${'x'.repeat(500)}`, /^Usage: !trivia stats \[USER\]/],
        ['!trivia stats 💥', /^Usage: !trivia stats \[USER\]/],
        ['!trivia skip', /^No trivia game is running here\.$/],
        ['!a B', /^No trivia game is running here\. Start one with !trivia start\.$/],
        ['!a', /^No trivia game is running here\./],
      ];
      for (const [line, expected] of cases) {
        const replies = await bot.say(line, { as: 'mallory' });
        expect(replies, line).to.have.length(1);
        expect(replies[0]!.text, line).to.match(expected);
      }
      // During a game.
      await bot.say('!trivia start 2', { as: 'mallory' });
      await question(bot, 1);
      const during: Array<[string, RegExp]> = [
        ['!a', /^Usage: !a <letter or answer>/],
        ['!a ?!', /^Usage: !a <letter or answer>/],
        ['!a \u200b', /^Usage: !a <letter or answer>/],
        [`!a ${'z'.repeat(1900)}`, /^(Not it|Not an answer)/],
        ['!a <script>alert(1)</script>', /^(You already answered|Not an answer)/],
        ['!trivia start 5', /^A trivia game is already running here/],
      ];
      for (const [line, expected] of during) {
        const replies = await bot.say(line, { as: 'mallory' });
        expect(replies, line).to.have.length(1);
        expect(replies[0]!.text, line).to.match(expected);
      }
      expect((await bot.rows.search('scores', {})).filter((r) => r.player === 'mallory')).to.deep.equal([]);
      noFailures(bot);
    });
  });

  describe('trivia plugin: playing through Rosey (timeouts)', function () {
    // questionSeconds 1 and no pause: rounds end by the clock; the test only polls the replies.
    let bot: TestBot;

    before(async () => {
      bot = await testBot(createTriviaPlugin(), {
        dir,
        config: { questionSeconds: 1, pauseSeconds: 0, questionFile: file },
      });
    });

    after(() => bot?.close());

    it('reveals each answer when time is up and posts the final scores', async () => {
      await bot.say('!trivia start 3', { as: 'alice' });
      const answers = [];
      for (let round = 1; round <= 3; round++) answers.push(await question(bot, round));
      await waitFor(bot, /^Trivia over!/);
      const lines = texts(bot);
      expect(lines.slice(1)).to.deep.equal([
        lines[1],
        `Time's up! The answer was ${answers[0]!.reveal}.`,
        lines[3],
        `Time's up! The answer was ${answers[1]!.reveal}.`,
        lines[5],
        `Time's up! The answer was ${answers[2]!.reveal}.`,
        'Trivia over! Final scores: nobody scored.',
      ]);
      expect(lines[1]).to.match(/^Trivia 1\/3 .* within 1 s$/);
      // All three questions, each once.
      expect(new Set(answers.map((a) => a.reveal)).size).to.equal(3);
      // The game is over: a new one may start.
      bot.clear();
      await bot.say('!trivia start 1', { as: 'bob' });
      await waitFor(bot, /^Trivia over!/);
      noFailures(bot);
    });

    it('says when there are fewer questions than rounds, and can be stopped mid-game', async () => {
      bot.clear();
      await bot.say('!trivia start 50', { as: 'alice' });
      expect(texts(bot)[0]).to.equal(
        'Trivia! 3 rounds of 1 s, started by alice (only 3 questions available). Answer in the chat, or with !a <letter or answer>; one try per question.',
      );
      await question(bot, 2);
      const stopped = await bot.say('!trivia stop', { as: 'alice' });
      // The clock may have ended the game first; otherwise the stop does.
      const end =
        stopped.length > 0 && stopped[0]!.text.startsWith('No trivia')
          ? /^Trivia over!/
          : /^Trivia stopped by alice after [23] of 3 rounds\. Scores: nobody scored\.$/;
      await waitFor(bot, end);
      expect(texts(bot).filter((t) => /^Trivia (over|stopped)/.test(t))).to.have.length(1);
      noFailures(bot);
    });

    it('rolls its migration back (DOWN drops the table) and reports missing scores instead of failing', async () => {
      bot.clear();
      expect((await bot.migrations.status()).currentVersion).to.equal(1);
      await bot.migrations.rollback();
      expect((await bot.migrations.status()).currentVersion).to.equal(0);
      let code: unknown;
      await bot.rows.search('scores').catch((error: { code?: unknown }) => (code = error.code));
      expect(code).to.equal('UNKNOWN_TABLE');
      for (const line of ['!trivia top', '!trivia stats bob'])
        expect((await bot.say(line)).map((r) => r.text)).to.deep.equal([
          'Trivia scores are unavailable right now (UNKNOWN_TABLE).',
        ]);
      await bot.migrations.apply();
      expect((await bot.migrations.status()).currentVersion).to.equal(1);
      expect((await bot.say('!trivia top')).map((r) => r.text)).to.deep.equal(['No trivia scores here yet.']);
    });
  });

  describe('trivia plugin: a game survives a reload (snapshot → restore)', function () {
    // Two generations side by side, as a reload runs them: `old` hands its game to `next`.
    let old: TestBot | undefined;
    let next: TestBot | undefined;
    afterEach(async () => {
      await old?.close();
      await next?.close();
    });

    it('the next generation goes on with the game, scores and tries; the old one stops acting on it', async () => {
      const config = { questionSeconds: 30, pauseSeconds: 0, questionFile: file };
      const oldPlugin = createTriviaPlugin();
      const nextPlugin = createTriviaPlugin();
      old = await testBot(oldPlugin, { dir, config });
      next = await testBot(nextPlugin, { dir, config });
      await old.say('!trivia start 1', { as: 'alice' });
      const q = await question(old, 1);
      await old.say(`!a ${q.wrong}`, { as: 'carol' }); // carol's try is used
      // Through JSON, as it crosses processes in a reload.
      const state: unknown = JSON.parse(JSON.stringify(await oldPlugin.snapshot!()));
      await nextPlugin.restore!(state);
      const taken = await next.say(`!a ${q.right}`, { as: 'carol' });
      expect(taken.map((r) => r.text)).to.deep.equal(['You already answered this question.']);
      const won = await next.say(q.plain, { as: 'dave' });
      expect(won.map((r) => r.text)).to.deep.equal([
        `dave got it: ${q.reveal}! +${q.base + 1} (${q.base} + 1 speed bonus) — ${q.base + 1} this game.`,
        `Trivia over! Final scores: 1. dave ${q.base + 1}.`,
      ]);
      // The old generation's game is paused and was handed over: it posts nothing of this.
      expect(texts(old).filter((t) => / got it: |^Trivia over/.test(t))).to.deep.equal([]);
      expect((await next.rows.search('scores', {})).map((r) => [r.player, r.points, r.games])).to.deep.equal([
        ['dave', q.base + 1, 1],
        ['carol', 0, 1],
      ]);
      noFailures(next);
    });

    it('resumes the old generation’s game when the reload does not go through', async () => {
      const oldPlugin = createTriviaPlugin();
      old = await testBot(oldPlugin, {
        dir,
        config: { questionSeconds: 1, pauseSeconds: 0, questionFile: file },
      });
      await old.say('!trivia start 2', { as: 'alice' });
      await question(old, 1);
      await oldPlugin.snapshot!();
      await oldPlugin.resume!();
      await waitFor(old, /^Trivia over! /);
      noFailures(old);
    });

    it('refuses a snapshot that is not one, naming what is wrong', async () => {
      const plugin = createTriviaPlugin();
      next = await testBot(plugin, { dir, config: { questionFile: file } });
      const question0 = { category: 'c', difficulty: 'easy', question: 'q', answer: 'a', alternates: [] };
      const game = {
        questions: [question0],
        questionMs: 1000,
        pauseMs: 0,
        startedBy: 'x',
        phase: 'asking',
        index: 0,
        askedAt: 0,
        attempted: [],
        scores: [],
        participants: [],
      };
      const place = { platform: 'test', channel: 'test' };
      const bad: Array<[unknown, RegExp]> = [
        [null, /not a trivia snapshot/],
        ['{}', /not a trivia snapshot/],
        [{ version: 2, games: [] }, /not a trivia snapshot/],
        [{ version: 1, games: [{}] }, /has no place/],
        [{ version: 1, games: [{ ...place, game: { ...game, questions: [] } }] }, /no questions/],
        [{ version: 1, games: [{ ...place, game: { ...game, index: 5 } }] }, /malformed/],
        [{ version: 1, games: [{ ...place, game: { ...game, phase: 'dancing' } }] }, /malformed/],
        [
          {
            version: 1,
            games: [{ ...place, game: { ...game, questions: [{ ...question0, difficulty: 'brutal' }] } }],
          },
          /question is malformed/,
        ],
        [
          {
            version: 1,
            games: [
              { ...place, game: { ...game, questions: [{ ...question0, choices: ['a'], answerIndex: 3 }] } },
            ],
          },
          /question is malformed/,
        ],
        [
          { version: 1, games: [{ ...place, game: { ...game, scores: [{ user: 'x', points: 'lots' }] } }] },
          /score is malformed/,
        ],
        [{ version: 1, games: [{ ...place, game: { ...game, participants: [['a']] } }] }, /malformed/],
      ];
      for (const [state, reason] of bad) {
        let thrown: unknown;
        try {
          await plugin.restore!(state);
        } catch (error) {
          thrown = error;
        }
        expect(String(thrown), JSON.stringify(state)).to.match(reason);
      }
      // None of them left a game behind.
      expect(await next.say('!trivia skip', { as: 'x', rank: 3 })).to.deep.include({
        text: 'No trivia game is running here.',
        private: false,
        platform: 'test',
        channel: 'test',
      });
    });
  });

  describe('trivia plugin: a bad question file', () => {
    it('fails the start, naming the file and the entry', async () => {
      const bad = join(tmp, 'bad.json');
      writeFileSync(bad, JSON.stringify([QUESTIONS[0], { ...QUESTIONS[1], difficulty: 'brutal' }]));
      let error: unknown;
      try {
        const bot = await testBot(createTriviaPlugin(), { dir, config: { questionFile: bad } });
        await bot.close();
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(
        /the plugin failed to start: question file .*bad\.json: entry 2 \("What is the chemical symbol for gold\?"\): difficulty must be easy, medium or hard, not "brutal"/,
      );
    });
  });
});
