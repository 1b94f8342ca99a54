import { expect } from 'chai';
import { pickQuestions, scoreFor, TriviaGame, type GameEvent } from '../game.js';
import { formatEvent } from '../format.js';
import { parseQuestions, type Question } from '../questions.js';

const [capital, gold, power, ocean] = parseQuestions([
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
    choices: ['512', '1000', '1024'],
    answer: 'c',
  },
  {
    category: 'Geography',
    difficulty: 'easy',
    question: 'Which ocean is the largest?',
    answer: 'The Pacific Ocean',
    alternates: ['Pacific'],
  },
]) as [Question, Question, Question, Question];

const Q_MS = 30_000;
const PAUSE_MS = 5_000;
const T0 = 1_000_000;

function game(questions: Question[], startedBy = 'alice'): TriviaGame {
  return new TriviaGame({ questions, questionMs: Q_MS, pauseMs: PAUSE_MS, startedBy });
}

const types = (events: GameEvent[]) => events.map((e) => e.type);

describe('trivia plugin: scoring', () => {
  it('gives 1/2/3 base points by difficulty, +1 within the first third of the time', () => {
    const table = (['easy', 'medium', 'hard'] as const).map((d) => [
      scoreFor(d, 0, Q_MS).total,
      scoreFor(d, Q_MS / 3, Q_MS).total, // the last moment of the first third still counts
      scoreFor(d, Q_MS / 3 + 1, Q_MS).total,
      scoreFor(d, Q_MS - 1, Q_MS).total,
    ]);
    expect(table).to.deep.equal([
      [2, 2, 1, 1],
      [3, 3, 2, 2],
      [4, 4, 3, 3],
    ]);
    expect(scoreFor('hard', 1000, Q_MS)).to.deep.equal({ base: 3, bonus: 1, total: 4 });
    expect(scoreFor('easy', 20_000, Q_MS)).to.deep.equal({ base: 1, bonus: 0, total: 1 });
  });

  it('scores an answer by the time since the question was asked, not since the start', () => {
    const g = game([gold, capital]);
    g.start(T0);
    g.answer('bob', 'au', T0 + 20_000); // slow: 1
    g.tick(T0 + 20_000 + PAUSE_MS); // asks the capital at T0+25s
    const fast = g.answer('bob', 'B', T0 + 25_000 + 2_000);
    expect(fast.kind).to.equal('correct');
    if (fast.kind === 'correct') expect(fast.points).to.deep.equal({ base: 2, bonus: 1, total: 3 });
    expect(g.standings()).to.deep.equal([{ user: 'bob', points: 4, correct: 2 }]);
  });
});

describe('trivia plugin: the game', () => {
  it('asks, reveals on timeout, pauses, asks the next, and ends after the last round', () => {
    const g = game([capital, gold]);
    expect(g.phase).to.equal('ready');
    const first = g.start(T0);
    expect(first).to.have.length(1);
    expect(first[0]).to.include({ type: 'question', round: 1, rounds: 2, seconds: 30 });
    expect(g.nextWakeAt()).to.equal(T0 + Q_MS);
    expect(g.tick(T0 + Q_MS - 1)).to.deep.equal([]); // not yet
    const reveal = g.tick(T0 + Q_MS);
    expect(reveal).to.deep.equal([{ type: 'reveal', round: 1, question: capital, reason: 'timeout' }]);
    expect(formatEvent(reveal[0]!)).to.equal("Time's up! The answer was B) Paris.");
    expect(g.phase).to.equal('pause');
    expect(g.nextWakeAt()).to.equal(T0 + Q_MS + PAUSE_MS);
    const second = g.tick(T0 + Q_MS + PAUSE_MS + 3); // a late timer is fine
    expect(second[0]).to.include({ type: 'question', round: 2 });
    expect(g.nextWakeAt()).to.equal(T0 + Q_MS + PAUSE_MS + 3 + Q_MS);
    const end = g.tick(T0 + 3 * Q_MS);
    expect(types(end)).to.deep.equal(['reveal', 'end']);
    expect(end[1]).to.deep.include({
      reason: 'finished',
      round: 2,
      rounds: 2,
      standings: [],
      participants: [],
    });
    expect(formatEvent(end[1]!)).to.equal('Trivia over! Final scores: nobody scored.');
    expect(g.phase).to.equal('over');
    expect(g.nextWakeAt()).to.equal(undefined);
    expect(g.tick(T0 + 10 * Q_MS)).to.deep.equal([]);
  });

  it('lets the first right answer win the round; later answers find it closed', () => {
    const g = game([capital, gold]);
    g.start(T0);
    const win = g.answer('carol', 'b', T0 + 1000);
    expect(win.kind).to.equal('correct');
    expect(types(win.events)).to.deep.equal(['correct']);
    expect(formatEvent(win.events[0]!)).to.equal(
      'carol got it: B) Paris! +3 (2 + 1 speed bonus) — 3 this game.',
    );
    expect(g.answer('dave', 'B', T0 + 1001).kind).to.equal('closed');
    expect(g.standings()).to.deep.equal([{ user: 'carol', points: 3, correct: 1 }]);
  });

  it('gives each user one attempt per question, case-insensitively by name', () => {
    const g = game([capital, gold]);
    g.start(T0);
    expect(g.answer('Bob', 'A', T0 + 100).kind).to.equal('wrong');
    expect(g.answer('bob', 'B', T0 + 200).kind).to.equal('already');
    expect(g.answer('BOB', 'Paris', T0 + 300).kind).to.equal('already');
    expect(g.answer('carol', 'paris', T0 + 400).kind).to.equal('correct');
    g.tick(T0 + 400 + PAUSE_MS);
    // A new question: a new attempt.
    expect(g.answer('bob', 'AU', T0 + 6000).kind).to.equal('correct');
  });

  it('takes a letter or the choice text for multiple choice, and refuses letters it has no choice for', () => {
    const g = game([power]);
    g.start(T0);
    const e = g.answer('bob', 'D', T0 + 1);
    expect(e).to.deep.include({ kind: 'invalid', reason: 'answer with A, B, C or the choice itself' });
    expect(g.answer('bob', '?!', T0 + 2)).to.deep.include({ kind: 'invalid', reason: 'empty' });
    expect(g.answer('bob', '  1,024 ', T0 + 3).kind).to.equal('correct'); // no attempt was used above
  });

  it('matches free text ignoring case, spacing, accents and punctuation, and takes alternates', () => {
    for (const [text, kind] of [
      ['the pacific ocean', 'correct'],
      ['  THE   PACIFIC-OCEAN!! ', 'correct'],
      ['thepacificocean', 'correct'],
      ['Pacific', 'correct'],
      ['pacífic', 'correct'],
      ['Atlantic', 'wrong'],
      ['pacific ocean', 'wrong'], // neither the answer nor a listed alternate
    ] as const) {
      const g = game([ocean]);
      g.start(T0);
      expect(g.answer('bob', text, T0 + 1).kind, text).to.equal(kind);
    }
    const g = game([gold]);
    g.start(T0);
    expect(g.answer('bob', 'aurum.', T0 + 1).kind).to.equal('correct');
  });

  it('treats an answer after the deadline as closed and reveals the question', () => {
    const g = game([capital, gold]);
    g.start(T0);
    const late = g.answer('bob', 'B', T0 + Q_MS + 5); // the timer has not fired yet
    expect(late.kind).to.equal('closed');
    expect(types(late.events)).to.deep.equal(['reveal']);
    expect(g.standings()).to.deep.equal([]);
  });

  it('answers "closed" between questions', () => {
    const g = game([capital, gold]);
    g.start(T0);
    g.skip('alice', T0 + 10);
    expect(g.answer('bob', 'B', T0 + 11).kind).to.equal('closed');
  });

  it('skips the open question and ends the game when it was the last', () => {
    const g = game([capital, gold]);
    g.start(T0);
    const skipped = g.skip('mod', T0 + 10);
    expect(skipped).to.deep.equal([
      { type: 'reveal', round: 1, question: capital, reason: 'skip', by: 'mod' },
    ]);
    expect(formatEvent(skipped[0]!)).to.equal('Skipped by mod. The answer was B) Paris.');
    expect(g.skip('mod', T0 + 11)).to.deep.equal([]); // nothing open during the pause
    g.tick(T0 + 10 + PAUSE_MS);
    expect(types(g.skip('mod', T0 + 6000))).to.deep.equal(['reveal', 'end']);
    expect(g.phase).to.equal('over');
  });

  it('stops at any point with the standings so far, once', () => {
    const g = game([capital, gold, power]);
    g.start(T0);
    expect(g.answer('carol', 'A', T0 + 19_000).kind).to.equal('wrong');
    expect(g.answer('bob', 'B', T0 + 20_000).kind).to.equal('correct');
    const stopped = g.stop('alice', T0 + 21_000);
    expect(stopped).to.have.length(1);
    expect(stopped[0]).to.deep.include({
      type: 'end',
      reason: 'stopped',
      by: 'alice',
      round: 1,
      rounds: 3,
      standings: [{ user: 'bob', points: 2, correct: 1 }],
    });
    expect((stopped[0] as { participants: string[] }).participants.sort()).to.deep.equal(['bob', 'carol']);
    expect(formatEvent(stopped[0]!)).to.equal(
      'Trivia stopped by alice after 1 of 3 rounds. Scores: 1. bob 2.',
    );
    expect(g.stop('alice', T0 + 22_000)).to.deep.equal([]);
    expect(g.nextWakeAt()).to.equal(undefined);
    expect(g.answer('bob', 'x', T0 + 23_000).kind).to.equal('closed');
  });

  it('ranks by points, then right answers, then name', () => {
    const g = game([gold, gold, capital].map((q, i) => ({ ...q, question: `${q.question} ${i}` })));
    g.start(T0);
    g.answer('zed', 'au', T0 + 20_000); // 1
    g.tick(T0 + 25_000);
    g.answer('amy', 'au', T0 + 45_000); // 1
    g.tick(T0 + 50_000);
    g.answer('bob', 'B', T0 + 70_000); // 2
    expect(g.standings().map((s) => s.user)).to.deep.equal(['bob', 'amy', 'zed']);
  });

  it('needs at least one question', () => {
    expect(() => game([])).to.throw(/at least one question/);
  });
});

describe('trivia plugin: picking questions', () => {
  const pool = Array.from({ length: 30 }, (_, i) => ({ ...gold, question: `q${i}` }));

  it('picks n distinct questions, or all of a smaller pool', () => {
    const picked = pickQuestions(pool, 10);
    expect(picked).to.have.length(10);
    expect(new Set(picked.map((q) => q.question)).size).to.equal(10);
    expect(pickQuestions(pool.slice(0, 3), 10)).to.have.length(3);
  });

  it('is random but repeatable with a given generator', () => {
    const fixed = () => 0;
    expect(pickQuestions(pool, 3, fixed).map((q) => q.question)).to.deep.equal(['q0', 'q1', 'q2']);
    const last = () => 0.999999;
    expect(pickQuestions(pool, 2, last).map((q) => q.question)).to.deep.equal(['q29', 'q0']);
  });
});
