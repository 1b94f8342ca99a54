import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED_QUESTIONS, parseConfig, parseRounds } from '../index.js';
import { LIMITS, loadQuestions, normalizeAnswer, parseQuestions } from '../questions.js';

const good = {
  category: 'Science',
  difficulty: 'easy',
  question: 'What is the chemical symbol for gold?',
  answer: 'Au',
};
const mc = {
  category: 'Geography',
  difficulty: 'medium',
  question: 'What is the capital of France?',
  choices: ['Berlin', 'Paris', 'Rome', 'Madrid'],
  answer: 'B',
};

describe('trivia plugin: question files', () => {
  it('accepts free-text and multiple-choice entries, as a list or under "questions"', () => {
    const [free, choice] = parseQuestions([good, { ...mc, answer: 'b', alternates: ['Paree'] }]);
    expect(free).to.deep.equal({ ...good, alternates: [] });
    expect(choice).to.deep.include({ answerIndex: 1, answer: 'Paris', alternates: ['Paree'] });
    expect(parseQuestions({ questions: [good] })).to.have.length(1);
  });

  it('names the bad entry and what is wrong with it', () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        { ...good, difficulty: 'extreme' },
        /entry 2 \("What is the chemical symbol for gold\?"\): difficulty must be easy, medium or hard, not "extreme"/,
      ],
      [{ ...good, category: '' }, /entry 2 .*category must be text/],
      [{ ...good, category: 'x'.repeat(LIMITS.category + 1) }, /entry 2 .*category must be text/],
      [{ ...good, question: 42 }, /entry 2: question must be text/],
      [{ ...good, question: 'q'.repeat(LIMITS.question + 1) }, /entry 2 .*question must be text of 1–300/],
      [{ ...good, answer: '' }, /entry 2 .*answer must be text/],
      [{ ...good, answer: '?!' }, /entry 2 .*answer must be text .* with a letter or digit/],
      [{ ...good, answer: undefined }, /entry 2 .*answer must be text/],
      [{ ...good, alternates: 'Aurum' }, /entry 2 .*alternates must be a list/],
      [{ ...good, alternates: [''] }, /entry 2 .*each alternate/],
      [{ ...good, hint: 'shiny' }, /entry 2 .*unknown key 'hint'/],
      [{ ...mc, answer: 'E' }, /entry 2 .*one of the letters A, B, C, D, not "E"/],
      [{ ...mc, answer: 'Paris' }, /entry 2 .*one of the letters A, B, C, D/],
      [{ ...mc, choices: ['Berlin', 'Paris', 'Rome'], answer: 'D' }, /letters A, B, C, not "D"/],
      [{ ...mc, choices: ['Paris'] }, /entry 2 .*choices must be a list of 2 to 4/],
      [{ ...mc, choices: ['a', 'b', 'c', 'd', 'e'] }, /choices must be a list of 2 to 4/],
      [{ ...mc, choices: ['Paris', 'paris!', 'Rome'] }, /choice "paris!" is listed twice/],
      [{ ...mc, choices: ['Paris', 7] }, /each choice must be text/],
      ['What is love?', /entry 2: must be an object/],
      [null, /entry 2: must be an object/],
      [[good], /entry 2: must be an object/],
      [
        { ...good, question: 'WHAT is the chemical symbol for gold' },
        /entry 2 .*repeats the question of entry 1/,
      ],
    ];
    for (const [entry, message] of cases) {
      expect(() => parseQuestions([good, entry], 'file.json'), JSON.stringify(entry)).to.throw(message);
    }
    expect(() => parseQuestions({ nope: [] })).to.throw(/must be a JSON list/);
    expect(() => parseQuestions([])).to.throw(/has no questions/);
    expect(() => parseQuestions('[]')).to.throw(/must be a JSON list/);
  });

  it('shortens a long question in the error', () => {
    const long = { ...good, difficulty: 'x', question: `${'a'.repeat(60)}?` };
    expect(() => parseQuestions([long], 'f')).to.throw(/entry 1 \("a{40}…"\)/);
  });

  it('reads a file and reports files it cannot use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trivia-questions-'));
    try {
      const ok = join(dir, 'ok.json');
      writeFileSync(ok, JSON.stringify([good, mc]));
      expect(loadQuestions(ok)).to.have.length(2);
      expect(() => loadQuestions(join(dir, 'missing.json'))).to.throw(/missing\.json: cannot read it/);
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '[{"category": ');
      expect(() => loadQuestions(broken)).to.throw(/broken\.json: not valid JSON/);
      const huge = join(dir, 'huge.json');
      writeFileSync(huge, ' '.repeat(LIMITS.fileBytes + 1));
      expect(() => loadQuestions(huge)).to.throw(/huge\.json: .* over the .*-byte limit/);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify([good, mc, { ...mc, question: 'Which?', answer: 'Z' }]));
      expect(() => loadQuestions(bad)).to.throw(
        /bad\.json: entry 3 \("Which\?"\): answer of a multiple-choice/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('normalizes answers for comparison', () => {
    expect(normalizeAnswer('  Saint-Étienne! ')).to.equal('saintetienne');
    expect(normalizeAnswer('J. R. R. Tolkien')).to.equal('jrrtolkien');
    expect(normalizeAnswer('300,000')).to.equal('300000');
    expect(normalizeAnswer('?!… ')).to.equal('');
  });

  it('bundles at least 200 valid, unique questions of every difficulty, with balanced letters', () => {
    const questions = loadQuestions(BUNDLED_QUESTIONS); // throws on any invalid or repeated entry
    expect(questions.length).to.be.at.least(200);
    const unique = new Set(questions.map((q) => normalizeAnswer(q.question)));
    expect(unique.size).to.equal(questions.length);
    for (const d of ['easy', 'medium', 'hard'])
      expect(questions.filter((q) => q.difficulty === d)).to.have.length.above(30);
    const choice = questions.filter((q) => q.choices);
    const free = questions.filter((q) => !q.choices);
    expect(choice.length).to.be.above(50);
    expect(free.length).to.be.above(50);
    // No letter is right so often that guessing it pays.
    for (let i = 0; i < 4; i++)
      expect(choice.filter((q) => q.answerIndex === i).length / choice.length).to.be.below(0.4);
  });
});

describe('trivia plugin: configuration and arguments', () => {
  it('has defaults and takes overrides', () => {
    expect(parseConfig({})).to.deep.equal({ questionSeconds: 30, pauseSeconds: 5 });
    expect(parseConfig({ questionSeconds: 1, pauseSeconds: 0, questionFile: '/tmp/q.json' })).to.deep.equal({
      questionSeconds: 1,
      pauseSeconds: 0,
      questionFile: '/tmp/q.json',
    });
  });

  it('refuses bad configuration, naming the key', () => {
    expect(() => parseConfig({ questionSeconds: 0 })).to.throw(
      /questionSeconds must be a number of seconds from 1/,
    );
    expect(() => parseConfig({ questionSeconds: '30' })).to.throw(/questionSeconds .* not "30"/);
    expect(() => parseConfig({ pauseSeconds: -1 })).to.throw(/pauseSeconds/);
    expect(() => parseConfig({ pauseSeconds: 1e9 })).to.throw(/pauseSeconds/);
    expect(() => parseConfig({ questionFile: 3 })).to.throw(/questionFile must be a file path/);
    expect(() => parseConfig({ questionSecs: 3 })).to.throw(/unknown config key 'questionSecs'/);
  });

  it('parses the number of rounds', () => {
    expect(parseRounds(undefined)).to.equal(10);
    expect(parseRounds('1')).to.equal(1);
    expect(parseRounds('50')).to.equal(50);
    expect(parseRounds('007')).to.equal(7);
    for (const bad of ['0', '51', '-1', '2.5', '1e1', 'ten', '', ' 5', '9'.repeat(400), '５'])
      expect(parseRounds(bad), bad).to.equal(undefined);
  });
});
