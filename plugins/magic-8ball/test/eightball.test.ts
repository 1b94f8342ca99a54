import { expect } from 'chai';
import {
  AFFIRMATIVE,
  answer,
  ANSWERS,
  HELP,
  MAX_QUESTION,
  NEGATIVE,
  NON_COMMITTAL,
  reply,
  TOO_LONG,
} from '../eightball.js';

describe('magic-8ball plugin: answers', () => {
  it('has the classic 20 answers: 10 affirmative, 5 non-committal, 5 negative, all distinct', () => {
    expect(AFFIRMATIVE).to.have.length(10);
    expect(NON_COMMITTAL).to.have.length(5);
    expect(NEGATIVE).to.have.length(5);
    expect(new Set(ANSWERS).size).to.equal(20);
    expect(ANSWERS).to.include.members([
      'It is certain.',
      'Reply hazy, try again.',
      "Don't count on it.",
      'Very doubtful.',
    ]);
  });

  it('picks the answer at the index the random source gives', () => {
    ANSWERS.forEach((expected, i) => expect(answer(() => i)).to.equal(expected));
    expect(reply('will it work?', () => 0)).to.equal('🎱 It is certain.');
    expect(reply('will it work?', () => 19)).to.equal('🎱 Very doubtful.');
  });

  it('asks the random source for an index below 20', () => {
    const asked: number[] = [];
    answer((n) => {
      asked.push(n);
      return 3;
    });
    expect(asked).to.deep.equal([20]);
  });

  it('clamps a broken random source into the list', () => {
    expect(answer(() => -5)).to.equal(ANSWERS[0]);
    expect(answer(() => 99)).to.equal(ANSWERS[19]);
    expect(answer(() => Number.NaN)).to.equal(ANSWERS[0]);
    expect(answer(() => 2.9)).to.equal(ANSWERS[2]);
  });

  it('reaches every answer with the real generator', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(answer());
    expect(seen.size).to.equal(20);
  });
});

describe('magic-8ball plugin: questions', () => {
  it('answers usage to an empty or blank question', () => {
    expect(reply('')).to.equal(HELP);
    expect(reply('   \t ')).to.equal(HELP);
  });

  it('accepts exactly MAX_QUESTION characters and refuses one more', () => {
    expect(reply('a'.repeat(MAX_QUESTION), () => 7)).to.equal('🎱 Outlook good.');
    expect(reply('a'.repeat(MAX_QUESTION + 1))).to.equal(TOO_LONG);
    // Characters, not UTF-16 units: 300 emoji are 300 characters.
    expect(reply('🎱'.repeat(MAX_QUESTION), () => 7)).to.equal('🎱 Outlook good.');
  });

  it('never echoes the question', () => {
    for (const hostile of ['<script>alert(1)</script>?', '/kick everyone', '@everyone ${process.env}']) {
      const text = reply(hostile);
      expect(text.startsWith('🎱 ')).to.equal(true);
      expect(ANSWERS).to.include(text.slice(3));
    }
  });
});
