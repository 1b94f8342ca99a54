import { expect } from 'chai';
import { Chain, MAX_WORDS, wordsOf } from '../chain.js';
import { mentions, skipReason } from '../learnable.js';
import { parseConfig } from '../config.js';

/** A repeatable generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const line = (user: string, text: string) => ({ user, words: wordsOf(text) });

describe('markov plugin: the chain', () => {
  it('says back only what it learned, word after word as said', () => {
    const chain = new Chain(100);
    chain.learn(line('a', 'the cat sat on the mat'));
    expect(chain.generate(seeded(1))).to.equal('the cat sat on the mat');
    chain.learn(line('b', 'the dog sat on the sofa'));
    const said = new Set(Array.from({ length: 50 }, (_, i) => chain.generate(seeded(i))));
    // Order 2: after "on the" comes "mat" or "sofa", whichever animal sat.
    expect([...said].sort()).to.deep.equal([
      'the cat sat on the mat',
      'the cat sat on the sofa',
      'the dog sat on the mat',
      'the dog sat on the sofa',
    ]);
  });

  it('starts from the last seed word it knows, keeping the seed words before it', () => {
    const chain = new Chain(100);
    chain.learn(line('a', 'I like green tea very much'));
    expect(chain.generate(seeded(2), ['oh', 'green'])).to.equal('oh green tea very much');
    expect(chain.generate(seeded(2), ['GREEN', 'zzz'])).to.equal('green tea very much');
    expect(chain.generate(seeded(2), ['nothing', 'known'])).to.equal(undefined);
    expect(new Chain(10).generate(seeded(1))).to.equal(undefined);
  });

  it('keeps at most maxLines lines: the oldest is unlearned, and the transitions go with it', () => {
    const chain = new Chain(3);
    const dropped = [];
    for (let i = 0; i < 10; i++) dropped.push(...chain.learn(line('u', `line number ${i} here`)));
    expect(chain.size).to.equal(3);
    expect(dropped.map((l) => l.words[2])).to.deep.equal(['0', '1', '2', '3', '4', '5', '6']);
    const fresh = new Chain(3);
    for (let i = 7; i < 10; i++) fresh.learn(line('u', `line number ${i} here`));
    expect(chain.counts()).to.deep.equal(fresh.counts());
  });

  it('forgets one user exactly: as if only the others had spoken', () => {
    const chain = new Chain(100);
    const other = new Chain(100);
    for (let i = 0; i < 20; i++) {
      const l = line(i % 3 === 0 ? 'mallory' : 'alice', `word${i % 5} and word${i % 7} then ${i}`);
      chain.learn(l);
      if (l.user !== 'mallory') other.learn(l);
    }
    expect(chain.forget('mallory')).to.have.length(7);
    expect(chain.size).to.equal(other.size);
    expect(chain.counts()).to.deep.equal(other.counts());
    expect(chain.known()).to.deep.equal(other.known());
  });

  it('takes words, not control characters, walls of text or giant words', () => {
    expect(wordsOf('  hello\tthere\u0000you\u200bthere  ')).to.deep.equal(['hello', 'there', 'you', 'there']);
    expect(wordsOf('x '.repeat(500))).to.have.length(MAX_WORDS);
    expect(wordsOf('a'.repeat(41) + ' ok')).to.deep.equal(['ok']);
    expect(wordsOf('')).to.deep.equal([]);
  });
});

describe('markov plugin: what it learns', () => {
  const options = { commandPrefixes: ['!'], optedOut: (u: string) => u === 'shy' };
  const m = (text: string, extra: Record<string, unknown> = {}) => ({
    platform: 'test',
    channel: 'c',
    user: 'alice',
    rank: 1,
    text,
    ...extra,
  });
  it('skips commands, links, the bot, the platform and who opted out', () => {
    const cases: Array<[ReturnType<typeof m>, string | undefined]> = [
      [m('hello there'), undefined],
      [m('!roll 2d6'), 'a command'],
      [m('  !markov'), 'a command'],
      [m('look https://example.org/x'), 'a link'],
      [m('see www.example.org'), 'a link'],
      [m('go to example.com now'), 'a link'],
      [m('I said this', { self: true }), 'the bot'],
      [m('restarting', { system: true }), 'the platform'],
      [m('hi', { user: 'Shy' }), 'opted out'],
      [m('   '), 'empty'],
    ];
    for (const [msg, why] of cases) expect(skipReason(msg, options), msg.text).to.equal(why);
  });

  it('sees a mention as a word, any case, with punctuation around it', () => {
    expect(mentions('hey @Rosey, how are you?', ['rosey'])).to.equal(true);
    expect(mentions('ROSEY?', ['Rosey'])).to.equal(true);
    expect(mentions('roseyland is far', ['rosey'])).to.equal(false);
    expect(mentions('nobody', [])).to.equal(false);
  });

  it('reads its configuration, naming a bad key', () => {
    expect(parseConfig({})).to.deep.equal({
      maxLines: 5000,
      replyChance: 0,
      replyCooldownSeconds: 60,
      cooldownSeconds: 5,
      names: [],
      commandPrefixes: ['!'],
    });
    expect(() => parseConfig({ maxLines: 5 })).to.throw(/maxLines must be a number from 10/);
    expect(() => parseConfig({ replyChance: 2 })).to.throw(/replyChance/);
    expect(() => parseConfig({ names: 'rosey' })).to.throw(/names must be a list of words/);
    expect(() => parseConfig({ bogus: 1 })).to.throw(/unknown config key 'bogus'/);
  });
});
