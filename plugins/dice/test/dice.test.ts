import { expect } from 'chai';
import { flip, formatRoll, parseNotation, roll, ROLL_HELP } from '../dice.js';

/** Dice that come up in the given order. */
const loaded = (...faces: number[]) => {
  let i = 0;
  return () => faces[i++ % faces.length]!;
};

describe('dice plugin: notation', () => {
  it('parses N, S, keep and modifier, case- and space-insensitively', () => {
    expect(parseNotation('2d6')).to.deep.equal({ count: 2, sides: 6, modifier: 0 });
    expect(parseNotation('d20')).to.deep.equal({ count: 1, sides: 20, modifier: 0 });
    expect(parseNotation('4D6KH3')).to.deep.equal({
      count: 4,
      sides: 6,
      modifier: 0,
      keep: { which: 'highest', count: 3 },
    });
    expect(parseNotation('2d20kl1 + 5')).to.deep.equal({
      count: 2,
      sides: 20,
      modifier: 5,
      keep: { which: 'lowest', count: 1 },
    });
    expect(parseNotation('3d8-2')).to.deep.equal({ count: 3, sides: 8, modifier: -2 });
  });

  it('accepts the limits exactly and rejects one past them', () => {
    expect(parseNotation('20d1000+100')).to.not.equal(undefined);
    expect(parseNotation('20d1000-100')).to.not.equal(undefined);
    for (const bad of ['21d6', '1d1001', '1d6+101', '1d6-101', '0d6', '1d0', '4d6kh5', '4d6kh0']) {
      expect(parseNotation(bad), bad).to.equal(undefined);
    }
  });

  it('rejects anything that is not dice notation', () => {
    for (const bad of [
      '',
      'd',
      '2d',
      'x2d6',
      '2d6x',
      '2d6++1',
      '1e3d6',
      "2d6'; DROP TABLE",
      '２d６',
      'd'.repeat(5000),
    ]) {
      expect(parseNotation(bad), bad).to.equal(undefined);
    }
  });
});

describe('dice plugin: rolls', () => {
  it('lists each die and the total with the modifier', () => {
    const r = roll(parseNotation('2d6+1')!, loaded(3, 5));
    expect(r.total).to.equal(9);
    expect(formatRoll('alice', r)).to.equal('alice rolled 2d6+1: 3, 5 + 1 = 9');
  });

  it('keeps the highest or lowest dice and shows dropped ones in parentheses', () => {
    const high = roll(parseNotation('4d6kh3')!, loaded(6, 1, 4, 3));
    expect(high.total).to.equal(13);
    expect(formatRoll('bob', high)).to.equal('bob rolled 4d6kh3: 6, (1), 4, 3 = 13');
    const low = roll(parseNotation('2d20kl1-2')!, loaded(17, 4));
    expect(low.total).to.equal(2);
    expect(formatRoll('bob', low)).to.equal('bob rolled 2d20kl1-2: (17), 4 - 2 = 2');
  });

  it('drops exactly N-K dice even when faces tie', () => {
    const r = roll(parseNotation('4d6kh2')!, loaded(5, 5, 5, 5));
    expect(r.kept.size).to.equal(2);
    expect(r.total).to.equal(10);
  });

  it('rolls every face in range with the real generator', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const r = roll(parseNotation('1d6')!);
      expect(r.dice[0]).to.be.within(1, 6);
      seen.add(r.dice[0]!);
    }
    expect([...seen].sort()).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it('flips heads or tails', () => {
    expect(flip(() => 0)).to.equal('heads');
    expect(flip(() => 1)).to.equal('tails');
    expect(new Set(Array.from({ length: 200 }, () => flip()))).to.have.length(2);
  });

  it('has a usage text that states the limits', () => {
    expect(ROLL_HELP).to.include('20').and.include('1000').and.include('100');
  });
});
