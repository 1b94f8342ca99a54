import { expect } from 'chai';
import { parseConfig } from '../config.js';
import {
  ago,
  duration,
  formatChannel,
  formatSeen,
  formatTop,
  formatUser,
  MAX_REPLY,
  shownName,
  utc,
} from '../format.js';
import type { UserStats } from '../store.js';

const T = Date.UTC(2026, 11, 6, 15, 4, 30);
const S = 1000;
const M = 60 * S;
const H = 60 * M;

const user = (over: Partial<UserStats> = {}): UserStats => ({
  name: 'alice',
  lines: 3,
  firstSeen: T - 2 * H,
  lastSeen: T - 5 * M,
  lastAction: 'leave',
  hereSince: null,
  connectedMs: 90 * M,
  ...over,
});

describe('chat-stats plugin: formatting', () => {
  it('shows durations in their two largest units, rounded down', () => {
    expect(duration(0)).to.equal('0s');
    expect(duration(999)).to.equal('0s');
    expect(duration(42 * S)).to.equal('42s');
    expect(duration(5 * M + 12 * S)).to.equal('5m 12s');
    expect(duration(3 * H + 5 * M + 59 * S)).to.equal('3h 5m');
    expect(duration(H + 5 * S)).to.equal('1h');
    expect(duration(2 * 24 * H + 4 * H + 3 * M)).to.equal('2d 4h');
    expect(duration(-5)).to.equal('0s');
  });

  it('says "just now" within 5 s and for a time ahead of the clock', () => {
    expect(ago(T - 4 * S, T)).to.equal('just now');
    expect(ago(T + H, T)).to.equal('just now');
    expect(ago(T - 5 * S, T)).to.equal('5s ago');
    expect(utc(T)).to.equal('2026-12-06 15:04 UTC');
  });

  it('answers !seen for someone gone and someone here', () => {
    expect(formatSeen(user(), T)).to.equal('alice was last seen 5m ago (2026-12-06 14:59 UTC), leaving.');
    expect(formatSeen(user({ hereSince: T - H, lastSeen: T - M, lastAction: 'chat' }), T)).to.equal(
      'alice is here (since 1h ago), last active 1m ago (2026-12-06 15:03 UTC).',
    );
  });

  it('answers !seen for someone last seen in the list of who was here when Rosey came: not as joining', () => {
    expect(formatSeen(user({ hereSince: T - H, lastSeen: T - M, lastAction: 'present' }), T)).to.equal(
      'alice is here, silent since Rosey came 1m ago (2026-12-06 15:03 UTC).',
    );
    expect(formatSeen(user({ lastAction: 'present' }), T)).to.equal(
      'alice was last seen 5m ago (2026-12-06 14:59 UTC), already here when Rosey came.',
    );
  });

  it('adds the current stretch to the time connected', () => {
    expect(formatUser(user(), T)).to.equal(
      'alice: 3 lines, first seen 2026-12-06 13:04 UTC, last seen 5m ago, connected 1h 30m.',
    );
    expect(formatUser(user({ hereSince: T - 30 * M, lines: 1 }), T)).to.equal(
      'alice: 1 line, first seen 2026-12-06 13:04 UTC, here now, connected 2h.',
    );
  });

  it('answers !stats for a channel nobody has been seen in yet', () => {
    expect(formatChannel({ users: 0, lines: 0, here: 0, peakUsers: 0, peakAt: null })).to.equal(
      'This channel: 0 users seen, 0 lines; most here at once: nobody yet; here now: 0.',
    );
    expect(formatChannel({ users: 1234, lines: 1, here: 1, peakUsers: 9, peakAt: T })).to.equal(
      'This channel: 1,234 users seen, 1 line; most here at once: 9 (2026-12-06 15:04 UTC); here now: 1.',
    );
  });

  it('keeps every reply within one CyTube message, however long the names', () => {
    const long = 'x'.repeat(100);
    expect(formatSeen(user({ name: long }), T).length).to.be.at.most(MAX_REPLY);
    const top = formatTop(Array.from({ length: 10 }, (_, i) => ({ name: `${long}${i}`, lines: 1e9 })));
    expect(top.length).to.be.at.most(MAX_REPLY);
    expect(top).to.match(/^Top talkers: 1\. x+… 1,000,000,000 · 2\. /);
    expect(shownName(`a\u0000b\u0007${'y'.repeat(60)}`)).to.equal(`ab${'y'.repeat(37)}…`);
  });

  it('checks its configuration, naming the key', () => {
    expect(parseConfig({})).to.deep.equal({ prefix: '!', topCount: 5, flushMs: 1000 });
    expect(parseConfig({ prefix: '.', topCount: 10, flushMs: 0 })).to.deep.equal({
      prefix: '.',
      topCount: 10,
      flushMs: 0,
    });
    for (const [bad, message] of [
      [{ topCount: 0 }, /topCount must be a whole number from 1 to 10, not 0/],
      [{ topCount: 2.5 }, /topCount/],
      [{ prefix: '' }, /prefix must be 1 to 3 characters/],
      [{ prefix: '! ' }, /prefix/],
      [{ flushMs: -1 }, /flushMs must be a whole number of ms from 0 to 60000, not -1/],
      [{ flushMs: 60_001 }, /flushMs/],
      [{ flushMs: '1s' }, /flushMs/],
      [{ top: 3 }, /unknown config key 'top'/],
    ] as const)
      expect(() => parseConfig(bad), JSON.stringify(bad)).to.throw(message);
  });
});
