import { expect } from 'chai';
import type { ChannelView } from 'rosey/sdk';
import { DEFAULTS, readConfig } from '../config.js';
import { ago, duration, queueText, title } from '../format.js';
import { vote, votesNeeded } from '../votes.js';

const view = (users: Array<[string, boolean]>): ChannelView => ({
  platform: 'cytube',
  channel: 'c',
  state: 'ready',
  self: { name: 'Rosey', rank: 2 },
  users: users.map(([name, afk]) => ({ name, rank: 1, afk })),
  playlist: [],
  current: null,
  media: null,
  playlistLocked: false,
});

describe('playlist plugin: logic', () => {
  it('reads its configuration, refusing what it does not know in one line', () => {
    expect(readConfig({})).to.deep.equal(DEFAULTS);
    expect(readConfig({ quota: 5, skipRatio: 1 })).to.include({ quota: 5, skipRatio: 1 });
    expect(() => readConfig({ quota: 0 })).to.throw('quota must be a whole number from 1 to 100');
    expect(() => readConfig({ skipRatio: 0 })).to.throw('skipRatio');
    expect(() => readConfig({ skipRatio: '1' })).to.throw('skipRatio');
    expect(() => readConfig({ skipMinVotes: 1.5 })).to.throw('skipMinVotes');
    expect(() => readConfig({ temp: 'yes' })).to.throw('temp');
    expect(() => readConfig({ quotas: 3 })).to.throw("unknown setting 'quotas'");
  });

  it('needs the share of users present and awake, the bot aside, never below the minimum', () => {
    const v = view([
      ['a', false],
      ['b', false],
      ['c', false],
      ['d', true],
      ['Rosey', false],
    ]);
    expect(votesNeeded(v, 0.5, 1)).to.equal(2);
    expect(votesNeeded(v, 1, 1)).to.equal(3);
    expect(votesNeeded(v, 0.1, 2)).to.equal(2);
  });

  it('starts a new ballot when the item changes and drops voters who left', () => {
    const v = view([
      ['a', false],
      ['b', false],
    ]);
    const first = vote(undefined, 1, 'A', v, { ratio: 1, min: 1 });
    expect(first).to.deep.include({ votes: 1, need: 2, again: false });
    expect(vote(first.ballot, 1, 'a', v, { ratio: 1, min: 1 })).to.deep.include({ votes: 1, again: true });
    expect(vote(first.ballot, 2, 'b', v, { ratio: 1, min: 1 }).ballot).to.deep.equal({
      uid: 2,
      voters: ['b'],
    });
    const gone = view([['b', false]]);
    expect(vote(first.ballot, 1, 'b', gone, { ratio: 1, min: 1 }).ballot.voters).to.deep.equal(['b']);
  });

  it('writes durations, ages and titles for one chat line', () => {
    expect([duration(0), duration(59), duration(200), duration(3725)]).to.deep.equal([
      'live',
      '0:59',
      '3:20',
      '1:02:05',
    ]);
    expect(ago(0, 30_000)).to.equal('just now');
    expect(ago(0, 5 * 60_000)).to.equal('5 min ago');
    expect(ago(0, 3 * 3_600_000)).to.equal('3 h ago');
    expect(title('a\n\tb')).to.equal('a b');
    expect(title('x'.repeat(100))).to.have.length(60);
    const item = (uid: number) => ({
      item: {
        uid,
        media: { type: 'yt', id: `${uid}`, title: `t${uid}`, seconds: 60 },
        queuedBy: 'q',
        temp: true,
      },
    });
    expect(queueText(undefined, [1, 2, 3, 4, 5, 6, 7].map(item))).to.equal(
      'Nothing is playing · Next (7, 7:00): 1. t1 [1:00] (q) · 2. t2 [1:00] (q) · 3. t3 [1:00] (q) · 4. t4 [1:00] (q) · 5. t5 [1:00] (q) … and 2 more',
    );
  });
});
