import { expect } from 'chai';
import { HELP, listText, NAME_RULE, parseRequest, showText } from '../commands.js';
import { DEFAULT_ALERT_MINUTES, readConfig } from '../index.js';
import {
  delayUntil,
  due,
  GRACE_MS,
  MAX_TIMEOUT_MS,
  nextWake,
  step,
  type Countdown,
  type Step,
} from '../schedule.js';
import {
  DAY,
  formatDuration,
  formatInstant,
  formatShort,
  HOUR,
  MINUTE,
  parseWhen,
  SECOND,
  WEEK,
  type WhenResult,
} from '../when.js';

/** Monday 21 December 2026, 14:00 UTC: the fake "now" of these tests. */
const NOW = Date.UTC(2026, 11, 21, 14, 0);
const at = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);
const instant = (r: WhenResult) => {
  if (!r.ok) throw new Error(`expected a time, got: ${r.reason}`);
  return r.when.at;
};

describe('countdown plugin: reading <when>', () => {
  it('reads absolute dates and times (UTC)', () => {
    expect(instant(parseWhen('2026-12-24 18:00', NOW))).to.equal(at(2026, 12, 24, 18));
    expect(instant(parseWhen('2026-12-24T18:00', NOW))).to.equal(at(2026, 12, 24, 18));
    expect(instant(parseWhen('2026-12-24 18:00 UTC', NOW))).to.equal(at(2026, 12, 24, 18));
    expect(instant(parseWhen('2026-12-24 at 6:30pm', NOW))).to.equal(at(2026, 12, 24, 18, 30));
    expect(instant(parseWhen('2027-01-01', NOW))).to.equal(at(2027, 1, 1));
  });

  it('reads durations, down to seconds', () => {
    expect(instant(parseWhen('in 2 hours', NOW))).to.equal(NOW + 2 * HOUR);
    expect(instant(parseWhen('in 90 minutes', NOW))).to.equal(NOW + 90 * MINUTE);
    expect(instant(parseWhen('IN 1h 30m', NOW))).to.equal(NOW + 90 * MINUTE);
    expect(instant(parseWhen('in 1 hour and 5 minutes', NOW))).to.equal(NOW + 65 * MINUTE);
    expect(instant(parseWhen('in 2 seconds', NOW))).to.equal(NOW + 2 * SECOND);
    expect(instant(parseWhen('in 3 days, 2 weeks', NOW))).to.equal(NOW + 3 * DAY + 2 * WEEK);
  });

  it('reads today, tomorrow, weekdays and bare clocks as their next occurrence', () => {
    expect(instant(parseWhen('tomorrow 20:00', NOW))).to.equal(at(2026, 12, 22, 20));
    expect(instant(parseWhen('tomorrow', NOW))).to.equal(at(2026, 12, 22));
    expect(instant(parseWhen('today 18:00', NOW))).to.equal(at(2026, 12, 21, 18));
    expect(instant(parseWhen('friday 19:00', NOW))).to.equal(at(2026, 12, 25, 19));
    expect(instant(parseWhen('Fri at 7pm', NOW))).to.equal(at(2026, 12, 25, 19));
    // Today is Monday: later today is today, earlier today is next week.
    expect(instant(parseWhen('monday 15:00', NOW))).to.equal(at(2026, 12, 21, 15));
    expect(instant(parseWhen('monday 13:00', NOW))).to.equal(at(2026, 12, 28, 13));
    expect(instant(parseWhen('12am', NOW))).to.equal(at(2026, 12, 22));
    expect(instant(parseWhen('14:30', NOW))).to.equal(at(2026, 12, 21, 14, 30));
  });

  it('reads weekly and daily recurrences', () => {
    expect(parseWhen('every friday 19:00', NOW)).to.deep.equal({
      ok: true,
      when: { at: at(2026, 12, 25, 19), repeatMs: WEEK, repeatLabel: 'every friday 19:00' },
    });
    expect(parseWhen('every day 8:00', NOW)).to.deep.equal({
      ok: true,
      when: { at: at(2026, 12, 22, 8), repeatMs: DAY, repeatLabel: 'every day 08:00' },
    });
    expect(parseWhen('every mon at 14:00', NOW)).to.deep.include({ ok: true });
    expect(instant(parseWhen('every mon at 14:00', NOW))).to.equal(at(2026, 12, 28, 14));
  });

  it('refuses what is past, too far, impossible or not a time, with a reason', () => {
    const bad = [
      '',
      'in',
      'in 0 minutes',
      'in 2 parsecs',
      'in two hours',
      'in 5 hours please',
      'in 9999999 weeks',
      '2026-02-30 10:00',
      '2026-13-01',
      '2025-01-01 10:00',
      '2040-01-01',
      'today 09:00',
      'today',
      '25:00',
      '13pm',
      'friday 19:00 please',
      'friday at',
      'every',
      'every friday',
      'every blursday 19:00',
      'every day 24:00',
      'yesterday',
      "'; DROP TABLE countdown__countdowns; --",
      'in 1 hour' + ' and 1 hour'.repeat(20),
      '9'.repeat(2000),
    ];
    for (const text of bad) {
      const r = parseWhen(text, NOW);
      expect(r.ok, text).to.equal(false);
      if (!r.ok) expect(r.reason, text).to.be.a('string').and.not.equal('');
    }
    const past = parseWhen('2025-01-01 10:00', NOW);
    expect(past.ok ? '' : past.reason).to.match(/already passed/);
  });
});

describe('countdown plugin: writing times', () => {
  it('writes instants in UTC, with the year only when it is not this year', () => {
    expect(formatInstant(at(2026, 12, 24, 18), NOW)).to.equal('Thu 24 Dec 18:00 UTC');
    expect(formatInstant(at(2027, 1, 1, 0, 5), NOW)).to.equal('Fri 1 Jan 2027 00:05 UTC');
  });

  it('writes durations in days, hours and minutes, or seconds under a minute', () => {
    expect(formatDuration(3 * DAY + 4 * HOUR + 12 * MINUTE + 59 * SECOND)).to.equal(
      '3 days 4 hours 12 minutes',
    );
    expect(formatDuration(DAY + MINUTE)).to.equal('1 day 1 minute');
    expect(formatDuration(HOUR)).to.equal('1 hour');
    expect(formatDuration(45 * SECOND)).to.equal('45 seconds');
    expect(formatDuration(1)).to.equal('1 second');
    // Alerts round: a mark reached a few ms late still reads as the mark.
    expect(formatDuration(15 * MINUTE - 7, true)).to.equal('15 minutes');
    expect(formatDuration(MINUTE - 7, true)).to.equal('1 minute');
    expect(formatDuration(30 * SECOND, true)).to.equal('30 seconds');
    expect(formatShort(3 * DAY + 4 * HOUR + 12 * MINUTE)).to.equal('3d 4h 12m');
    expect(formatShort(2 * HOUR)).to.equal('2h');
    expect(formatShort(5 * SECOND)).to.equal('5s');
  });
});

describe('countdown plugin: commands', () => {
  const words = (s: string) => s.split(/\s+/).filter(Boolean);

  it('tells create, show, list and delete apart; names are case-insensitive', () => {
    expect(parseRequest([], NOW)).to.deep.equal({ kind: 'help' });
    expect(parseRequest(['list'], NOW)).to.deep.equal({ kind: 'list' });
    expect(parseRequest(['LIST'], NOW)).to.deep.equal({ kind: 'list' });
    expect(parseRequest(['XMAS'], NOW)).to.deep.equal({ kind: 'show', name: 'xmas' });
    expect(parseRequest(['delete', 'Xmas'], NOW)).to.deep.equal({ kind: 'delete', name: 'xmas' });
    expect(parseRequest(words('Xmas 2026-12-24 18:00'), NOW)).to.deep.equal({
      kind: 'create',
      name: 'xmas',
      when: { at: at(2026, 12, 24, 18) },
    });
    expect(parseRequest(words('movie-night_2 in 2 hours'), NOW)).to.deep.include({
      kind: 'create',
      name: 'movie-night_2',
    });
  });

  it('answers missing, extra and malformed arguments with a reason', () => {
    const reason = (s: string) => {
      const r = parseRequest(words(s), NOW);
      expect(r.kind, s).to.equal('reason');
      return r.kind === 'reason' ? r.text : '';
    };
    expect(reason('list everything')).to.match(/^Usage: !countdown list/);
    expect(reason('delete')).to.match(/^Usage: !countdown delete/);
    expect(reason('delete a b')).to.match(/^Usage: !countdown delete/);
    expect(reason('in 2 hours')).to.match(/^Name the countdown first/);
    expect(reason('friday 19:00')).to.match(/^Name the countdown first/);
    expect(reason('2026-12-24 18:00')).to.match(/^Name the countdown first/);
    expect(reason('a'.repeat(33))).to.equal(NAME_RULE);
    expect(reason('<script>alert(1)</script> in 2 hours')).to.equal(NAME_RULE);
    expect(reason('ünïcödé in 2 hours')).to.equal(NAME_RULE);
    expect(reason('delete ../../etc')).to.equal(NAME_RULE);
    expect(reason('xmas yesterday')).to.match(/could not read/);
    expect(parseRequest(['help'], NOW)).to.deep.equal({ kind: 'help' });
    expect(parseRequest(['help', 'me'], NOW)).to.deep.equal({ kind: 'help' });
    expect(HELP).to.include('UTC');
  });

  const base: Countdown = {
    id: 1,
    platform: 'test',
    channel: 'test',
    name: 'xmas',
    creator: 'alice',
    targetAt: at(2026, 12, 24, 18),
    repeatMs: null,
    repeatLabel: null,
    sentUntil: NOW,
    createdAt: NOW,
  };

  it('shows the time left the way the README says', () => {
    const now = base.targetAt - (3 * DAY + 4 * HOUR + 12 * MINUTE);
    expect(showText(base, now)).to.equal('xmas: 3 days 4 hours 12 minutes (Thu 24 Dec 18:00 UTC)');
    const weekly = { ...base, name: 'standup', repeatMs: WEEK, repeatLabel: 'every thursday 18:00' };
    expect(showText(weekly, base.targetAt - HOUR)).to.equal(
      'standup: 1 hour (Thu 24 Dec 18:00 UTC, every thursday 18:00 UTC)',
    );
  });

  it('lists at most 8, soonest first as given, and says how many more there are', () => {
    expect(listText([], 0, NOW)).to.match(/^No countdowns here/);
    const many = Array.from({ length: 8 }, (_, i) => ({
      ...base,
      id: i,
      name: `c${i}`,
      targetAt: NOW + (i + 1) * HOUR,
    }));
    const text = listText(many, 12, NOW);
    expect(text).to.match(/^Countdowns \(12\): c0 1h, c1 2h, /);
    expect(text).to.match(/c7 8h … and 4 more$/);
    expect(listText([{ ...base, repeatMs: WEEK }], 1, NOW)).to.equal('Countdowns (1): xmas 3d 4h ↻');
  });

  it('reads its configuration: alert marks, UTC only', () => {
    expect(readConfig({})).to.deep.equal({ alertMinutes: DEFAULT_ALERT_MINUTES });
    expect(readConfig({ alertMinutes: [1, 15, 5, 5] })).to.deep.equal({ alertMinutes: [15, 5, 1] });
    expect(readConfig({ alertMinutes: [], timezone: 'UTC' })).to.deep.equal({ alertMinutes: [] });
    for (const alertMinutes of [[0], [1.5], ['5'], 5, [10_081], Array.from({ length: 11 }, (_, i) => i + 1)])
      expect(() => readConfig({ alertMinutes }), JSON.stringify(alertMinutes)).to.throw(/alertMinutes/);
    expect(() => readConfig({ timezone: 'Europe/Berlin' })).to.throw(/UTC only/);
  });
});

describe('countdown plugin: scheduling (fake time)', () => {
  const MARKS = [15, 5, 1];
  const make = (over: Partial<Countdown> = {}): Countdown => ({
    id: 1,
    platform: 'test',
    channel: 'test',
    name: 'xmas',
    creator: 'alice',
    targetAt: NOW + 20 * MINUTE,
    repeatMs: null,
    repeatLabel: null,
    sentUntil: NOW,
    createdAt: NOW,
    ...over,
  });
  const apply = (c: Countdown, s: Step): Countdown | undefined =>
    s.change.kind === 'delete'
      ? undefined
      : { ...c, targetAt: s.change.targetAt, sentUntil: s.change.sentUntil };

  /**
   * Runs the scheduler's loop on fake time: sleep until nextWake, apply what is due, repeat, until
   * `until`. Returns every line posted, with the fake time it was posted at.
   */
  function simulate(start: Countdown[], until: number, marks = MARKS, wakeLate = 3) {
    let list = start;
    const posted: Array<{ at: number; text: string }> = [];
    for (let guard = 0; guard < 10_000; guard++) {
      const wake = nextWake(list, marks);
      if (wake === undefined || wake > until) break;
      const now = wake + wakeLate; // timers fire a little after their instant
      for (const s of due(list, now, marks)) {
        if (s.text) posted.push({ at: now, text: s.text });
        const next = apply(s.countdown, s);
        list = list.flatMap((c) => (c.id !== s.countdown.id ? [c] : next ? [next] : []));
      }
    }
    return { posted, list };
  }

  it('posts each mark and zero once, in order, then drops a one-off countdown', () => {
    const { posted, list } = simulate([make()], NOW + DAY);
    expect(posted.map((p) => p.text)).to.deep.equal([
      '⏳ xmas in 15 minutes (Mon 21 Dec 14:20 UTC)',
      '⏳ xmas in 5 minutes (Mon 21 Dec 14:20 UTC)',
      '⏳ xmas in 1 minute (Mon 21 Dec 14:20 UTC)',
      '⏰ xmas is now!',
    ]);
    expect(posted.map((p) => p.at - (NOW + 20 * MINUTE))).to.deep.equal([
      -15 * MINUTE + 3,
      -5 * MINUTE + 3,
      -MINUTE + 3,
      3,
    ]);
    expect(list).to.deep.equal([]);
  });

  it('never posts marks that had passed when the countdown was created', () => {
    const { posted } = simulate([make({ targetAt: NOW + 2 * MINUTE })], NOW + DAY);
    expect(posted.map((p) => p.text)).to.deep.equal([
      '⏳ xmas in 1 minute (Mon 21 Dec 14:02 UTC)',
      '⏰ xmas is now!',
    ]);
    // A countdown 2 seconds away has no marks at all, only zero.
    expect(
      simulate([make({ targetAt: NOW + 2 * SECOND })], NOW + DAY).posted.map((p) => p.text),
    ).to.deep.equal(['⏰ xmas is now!']);
  });

  it('rolls a recurring countdown to its next occurrence and alerts again', () => {
    const daily = make({
      name: 'standup',
      targetAt: NOW + HOUR,
      repeatMs: DAY,
      repeatLabel: 'every day 15:00',
    });
    const { posted, list } = simulate([daily], NOW + HOUR + 2 * DAY + MINUTE);
    expect(posted.filter((p) => p.text === '⏰ standup is now!')).to.have.length(3);
    expect(posted).to.have.length(12);
    expect(list).to.have.length(1);
    expect(list[0]!.targetAt).to.equal(NOW + HOUR + 3 * DAY);
    expect(list[0]!.sentUntil).to.equal(NOW + HOUR + 2 * DAY);
  });

  it('after downtime, folds missed marks into the latest one, and skips stale ones silently', () => {
    const c = make({ sentUntil: NOW });
    // Back at T-3 min: the 15 and 5 minute marks were missed; one line, for the 5 minute mark, now 2 min late.
    const late = step(c, c.targetAt - 3 * MINUTE, MARKS)!;
    expect(late.text).to.equal('⏳ xmas in 3 minutes (Mon 21 Dec 14:20 UTC)');
    expect(late.change).to.deep.equal({
      kind: 'advance',
      targetAt: c.targetAt,
      sentUntil: c.targetAt - 5 * MINUTE,
    });
    // Back more than GRACE_MS after the 15 minute mark but before the 5 minute one: nothing is posted.
    const stale = step(c, c.targetAt - 15 * MINUTE + GRACE_MS + 1, MARKS)!;
    expect(stale.text).to.equal(undefined);
    expect(stale.change).to.deep.include({ sentUntil: c.targetAt - 15 * MINUTE });
    // Zero missed by 2 minutes: said as late; by more than GRACE_MS: dropped without a word.
    expect(step(c, c.targetAt + 2 * MINUTE, MARKS)!.text).to.equal(
      '⏰ xmas was due 2 minutes ago (Mon 21 Dec 14:20 UTC); I could not say so in time.',
    );
    const gone = step(c, c.targetAt + GRACE_MS + 1, MARKS)!;
    expect(gone.text).to.equal(undefined);
    expect(gone.change).to.deep.equal({ kind: 'delete' });
  });

  it('rolls a weekly countdown past weeks of downtime without posting', () => {
    const weekly = make({ targetAt: NOW, repeatMs: WEEK, sentUntil: NOW - HOUR });
    const s = step(weekly, NOW + 3 * WEEK + HOUR, MARKS)!;
    expect(s.text).to.equal(undefined);
    expect(s.change).to.deep.equal({ kind: 'advance', targetAt: NOW + 4 * WEEK, sentUntil: NOW + 3 * WEEK });
    // The latest occurrence missed by a minute and a half is still announced, as late.
    const recent = step(weekly, NOW + 3 * WEEK + 90 * SECOND, MARKS)!;
    expect(recent.text).to.match(/^⏰ xmas was due 1 minute ago/);
  });

  it('does nothing when nothing is due, and wakes at the earliest pending instant', () => {
    const a = make({ id: 1, targetAt: NOW + 20 * MINUTE });
    const b = make({ id: 2, name: 'b', targetAt: NOW + 10 * MINUTE });
    expect(due([a, b], NOW + MINUTE, MARKS)).to.deep.equal([]);
    expect(nextWake([a, b], MARKS)).to.equal(NOW + 5 * MINUTE); // b's 5 minute mark (its 15 passed at creation)
    expect(nextWake([], MARKS)).to.equal(undefined);
    expect(nextWake([make({ sentUntil: NOW + 20 * MINUTE })], MARKS)).to.equal(undefined);
    // Both due at once: the earlier instant first.
    expect(due([a, b], NOW + 20 * MINUTE, MARKS).map((s) => s.countdown.id)).to.deep.equal([2, 1]);
    expect(nextWake([a], [])).to.equal(a.targetAt);
  });

  it('caps timer delays at 2^31-1 ms and never goes negative', () => {
    expect(delayUntil(NOW + 40 * DAY, NOW)).to.equal(MAX_TIMEOUT_MS);
    expect(MAX_TIMEOUT_MS).to.equal(2_147_483_647);
    expect(delayUntil(NOW - 5, NOW)).to.equal(0);
    expect(delayUntil(NOW + 1234, NOW)).to.equal(1234);
  });
});
