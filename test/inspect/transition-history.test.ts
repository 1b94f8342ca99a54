import { expect } from 'chai';
import { TransitionHistory } from '../../actors/inspect/transition-history.js';

describe('inspect: the transitions kept for late joiners', () => {
  it('keeps the last N of each actor, oldest first', () => {
    const h = new TransitionHistory<number>(3, 10);
    for (let i = 1; i <= 7; i++) h.record('a', i);
    h.record('b', 100);
    expect(h.entries('a')).to.deep.equal([5, 6, 7]);
    expect(h.entries('b')).to.deep.equal([100]);
    expect(h.entries('nobody')).to.deep.equal([]);
  });

  it('keeps at most `actors` actors, dropping the one written to least recently', () => {
    const h = new TransitionHistory<string>(2, 2);
    h.record('a', 'a1');
    h.record('b', 'b1');
    h.record('a', 'a2'); // a is now the most recent
    h.record('c', 'c1'); // b goes
    expect(h.entries('b')).to.deep.equal([]);
    expect(h.entries('a')).to.deep.equal(['a1', 'a2']);
    expect(h.entries('c')).to.deep.equal(['c1']);
  });

  it('stays within both bounds however many actors come and go (flat memory)', () => {
    const h = new TransitionHistory<number>(5, 20);
    for (let i = 0; i < 100_000; i++) h.record(`actor-${i % 997}`, i);
    expect(h.actorCount).to.equal(20);
    expect(h.size).to.be.at.most(100);
    for (let i = 0; i < 100_000; i++) h.record(`busy-${i % 20}`, i);
    expect(h.actorCount).to.equal(20);
    expect(h.size).to.equal(100);
  });

  it('refuses bounds below one', () => {
    expect(() => new TransitionHistory(0, 1)).to.throw(RangeError);
    expect(() => new TransitionHistory(1, 0)).to.throw(RangeError);
  });
});
