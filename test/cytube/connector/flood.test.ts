import { expect } from 'chai';
import {
  DEFAULT_CHAT_FLOOD,
  exhausted,
  floodParams,
  freshFlood,
  marginFor,
  nextAllowedAt,
  recordSend,
  type FloodParams,
  type FloodState,
} from '../../../actors/cytube/flood-limiter.js';
import {
  acknowledge,
  confirmFromHistory,
  emptyOutbox,
  expire,
  requeueUnconfirmed,
  resetSession,
  takeDue,
  type OutItem,
} from '../../../actors/cytube/outbox.js';

/** CyTube's limiter as observed (06, 07): burst, then one per 1000/sustained ms after the last accepted. */
function serverAccepts(times: number[], p: FloodParams): boolean[] {
  let count = 0;
  let last = -Infinity;
  return times.map((t) => {
    if (t - last > p.cooldown * 1000) count = 0;
    if (count >= p.burst && t - last < 1000 / p.sustained) return false;
    count++;
    last = t;
    return true;
  });
}

/** Sends `n` lines as fast as the mirror allows; returns the send times. */
function pace(n: number, p: FloodParams, start = 0, state: FloodState = freshFlood()): number[] {
  const times: number[] = [];
  let now = start;
  for (let i = 0; i < n; i++) {
    now = nextAllowedAt(state, p, now);
    state = recordSend(state, p, now);
    times.push(now);
  }
  return times;
}

describe('cytube: flood limiter mirror', () => {
  for (const p of [
    DEFAULT_CHAT_FLOOD,
    { burst: 4, sustained: 1, cooldown: 4 },
    { burst: 1, sustained: 0.5, cooldown: 2 },
  ]) {
    it(`never sends what the server would drop (burst ${p.burst}, ${p.sustained}/s)`, () => {
      const times = pace(60, p);
      expect(serverAccepts(times, p).every(Boolean)).to.equal(true);
      // …and still uses the burst: the first `burst` lines go out at once.
      expect(times.slice(0, p.burst).every((t) => t === 0)).to.equal(true);
    });

    it(`still holds when the server sees the gaps shortened by network jitter (burst ${p.burst})`, () => {
      const jitter = marginFor(1000 / p.sustained) * 0.9;
      const seen = pace(60, p).map((t, i) => t - (i % 2 === 0 ? jitter : 0));
      expect(serverAccepts(seen, p).every(Boolean)).to.equal(true);
    });
  }

  it('sustains close to the limit rather than far below it', () => {
    const p = DEFAULT_CHAT_FLOOD;
    const times = pace(220, p);
    const sustainedRate = 200 / ((times[219]! - times[19]!) / 1000);
    expect(sustainedRate).to.be.within(p.sustained * 0.85, p.sustained);
  });

  it('a quiet spell longer than the cooldown gives a fresh burst', () => {
    const p = { burst: 4, sustained: 1, cooldown: 4 };
    let state = freshFlood();
    for (let i = 0; i < 4; i++) state = recordSend(state, p, 0);
    expect(nextAllowedAt(state, p, 10)).to.be.greaterThan(1000);
    const later = 4000 + marginFor(4000) + 1;
    expect(nextAllowedAt(state, p, later)).to.equal(later);
  });

  it('reads antiflood parameters defensively', () => {
    expect(floodParams({ burst: 4, sustained: 1, cooldown: 4 }, DEFAULT_CHAT_FLOOD)).to.deep.equal({
      burst: 4,
      sustained: 1,
      cooldown: 4,
    });
    expect(floodParams({ burst: '4', sustained: -1 }, DEFAULT_CHAT_FLOOD)).to.deep.equal({
      burst: 20,
      sustained: 10,
      cooldown: 2,
    });
    expect(floodParams(null, DEFAULT_CHAT_FLOOD)).to.equal(DEFAULT_CHAT_FLOOD);
    expect(floodParams({ burst: 3.7, sustained: 2 }, DEFAULT_CHAT_FLOOD)).to.deep.equal({
      burst: 3,
      sustained: 2,
      cooldown: 1.5,
    });
  });
});

describe('cytube: flood limiter margins at the edges', () => {
  // Interval 4000 ms (+400 margin), a fresh burst after 1000 ms of quiet (+100 margin): far apart,
  // so each margin shows on its own.
  const slow: FloodParams = { burst: 2, sustained: 0.25, cooldown: 1 };
  const spent: FloodState = { count: 2, lastAt: 0 };

  it('a spent burst comes back only once the cooldown and its margin have passed (issue 26: a margin dropped after the cooldown went unnoticed)', () => {
    expect(nextAllowedAt(spent, slow, 1000)).to.equal(4400);
    expect(nextAllowedAt(spent, slow, 1100)).to.equal(4400);
    expect(nextAllowedAt(spent, slow, 1101)).to.equal(1101);
  });

  it('a line sent inside that margin still counts against the burst; one after it starts a new burst', () => {
    expect(recordSend(spent, slow, 1100)).to.deep.equal({ count: 3, lastAt: 1100 });
    expect(recordSend(spent, slow, 1101)).to.deep.equal({ count: 1, lastAt: 1101 });
  });

  it('after the server says cooldown: the next line waits an interval and its margin, a new burst the cooldown and its margin', () => {
    const p = DEFAULT_CHAT_FLOOD;
    const after = exhausted(p, 5000);
    expect(after).to.deep.equal({ count: p.burst, lastAt: 5000 });
    expect(nextAllowedAt(after, p, 5000)).to.equal(5110);
    expect(nextAllowedAt(after, p, 5109)).to.equal(5110);
    // Later than that, but before a new burst: at once, never in the past.
    expect(nextAllowedAt(after, p, 5200)).to.equal(5200);
    expect(recordSend(after, p, 7200)).to.deep.equal({ count: p.burst + 1, lastAt: 7200 });
    expect(recordSend(after, p, 7201)).to.deep.equal({ count: 1, lastAt: 7201 });
  });

  it('uses the burst to its last line, then waits', () => {
    expect(nextAllowedAt(freshFlood(), slow, 0)).to.equal(0);
    expect(recordSend(freshFlood(), slow, 0)).to.deep.equal({ count: 1, lastAt: 0 });
    expect(nextAllowedAt({ count: 1, lastAt: 0 }, slow, 0)).to.equal(0);
    expect(nextAllowedAt({ count: 2, lastAt: 0 }, slow, 0)).to.equal(4400);
    expect(nextAllowedAt({ count: 2, lastAt: 0 }, slow, 5000)).to.equal(5000);
  });

  it('the margin is 10 % of the interval, at least 10 ms', () => {
    expect([0, 99, 100, 150, 2000].map(marginFor)).to.deep.equal([10, 10, 10, 15, 200]);
  });

  it('sanitises a burst below one, a non-finite number and a zero cooldown', () => {
    expect(floodParams({ burst: 0.5, sustained: 2 }, DEFAULT_CHAT_FLOOD)).to.deep.equal({
      burst: 1,
      sustained: 2,
      cooldown: 0.5,
    });
    expect(floodParams({ burst: Infinity, sustained: 4, cooldown: 0 }, DEFAULT_CHAT_FLOOD)).to.deep.equal({
      burst: 20,
      sustained: 4,
      cooldown: 5,
    });
    expect(floodParams('20', DEFAULT_CHAT_FLOOD)).to.equal(DEFAULT_CHAT_FLOOD);
  });
});

describe('cytube: outbox', () => {
  const limits = {
    chat: [{ burst: 2, sustained: 1, cooldown: 2 }],
    queue: { burst: 1, sustained: 1, cooldown: 1 },
  };
  const line = (seq: number, kind: OutItem['kind'] = 'chat'): OutItem => ({
    seq,
    kind,
    event: kind === 'chat' ? 'chatMsg' : 'queue',
    payload: { msg: `line ${seq}` },
    enqueuedAt: 0,
    attempts: 0,
    label: `line ${seq}`,
    text: `line ${seq}`,
  });
  const withQueue = (...items: OutItem[]) => ({ ...emptyOutbox(), queue: items });

  it('sends the burst at once, then says when the next may go', () => {
    const r = takeDue(withQueue(line(1), line(2), line(3)), limits, 0);
    expect(r.due.map((i) => i.seq)).to.deep.equal([1, 2]);
    expect(r.wakeAt).to.be.greaterThan(1000);
    expect(r.outbox.unacked.map((s) => s.item.seq)).to.deep.equal([1, 2]);
    const later = takeDue(r.outbox, limits, r.wakeAt!);
    expect(later.due.map((i) => i.seq)).to.deep.equal([3]);
  });

  it('keeps order across kinds: a playlist add waiting for its limiter holds the lines behind it', () => {
    let o = withQueue(line(1, 'queue'), line(2, 'queue'), line(3));
    const r = takeDue(o, limits, 0);
    expect(r.due.map((i) => i.seq)).to.deep.equal([1]);
    o = r.outbox;
    expect(o.queue.map((i) => i.seq)).to.deep.equal([2, 3]);
  });

  it('a cooldown puts the dropped line back in its place and pauses', () => {
    const sent = takeDue(withQueue(line(1), line(2), line(3)), limits, 0);
    // The server echoed line 1 and dropped line 2.
    let o = acknowledge(sent.outbox, { kind: 'echo', text: 'line 1', pm: false }, limits, 5).outbox;
    const r = acknowledge(o, { kind: 'cooldown', ms: 1000 }, limits, 6);
    expect(r.outcome.kind).to.equal('resent');
    o = r.outbox;
    expect(o.queue.map((i) => i.seq)).to.deep.equal([2, 3]);
    expect(takeDue(o, limits, 500).due).to.deep.equal([]);
    expect(takeDue(o, limits, 2000).due.map((i) => i.seq)).to.deep.equal([2]);
  });

  it('matches echoes by text: a line CyTube consumed silently does not shift the bookkeeping', () => {
    const wide = { ...limits, chat: [{ burst: 5, sustained: 1, cooldown: 2 }] };
    const sent = takeDue(withQueue(line(1), line(2), line(3)), wide, 0);
    // Line 1 was a slash command CyTube consumed without an answer; line 2 is echoed.
    let r = acknowledge(sent.outbox, { kind: 'echo', text: 'line 2', pm: false }, wide, 5);
    expect(r.outcome).to.deep.include({ kind: 'delivered' });
    expect(r.outbox.unacked.map((s) => s.item.seq)).to.deep.equal([3]);
    // Now line 3 is dropped: it is line 3 that goes back in line, not line 2.
    r = acknowledge(r.outbox, { kind: 'cooldown', ms: 100 }, wide, 6);
    expect(r.outbox.queue.map((i) => i.seq)).to.deep.equal([3]);
    // An echo of something we did not send (or a PM echo for a chat line) answers nothing.
    const other = acknowledge(sent.outbox, { kind: 'echo', text: 'line 2', pm: true }, wide, 5);
    expect(other.outcome.kind).to.equal('none');
  });

  it('after a lost connection, the history replay tells which unanswered lines arrived', () => {
    const sent = takeDue(withQueue(line(1), line(2)), limits, 0).outbox;
    let o = resetSession(sent);
    expect(o.queue).to.deep.equal([]);
    o = confirmFromHistory(o, 'line 1');
    o = requeueUnconfirmed(o);
    expect(o.queue.map((i) => i.seq)).to.deep.equal([2]);
  });

  it('does not send a kick again after a lost connection: CyTube never shows it in the history', () => {
    const kick = { ...line(2), text: '/kick carol once', payload: { msg: '/kick carol once', meta: {} } };
    const sent = takeDue(withQueue(line(1), kick), limits, 0).outbox;
    const o = requeueUnconfirmed(resetSession(sent));
    expect(o.queue.map((i) => i.seq)).to.deep.equal([1]);
  });

  it('gives a line up after it was dropped three times', () => {
    let o = withQueue(line(1));
    let last = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = attempt * 10_000;
      o = takeDue(o, limits, now).outbox;
      const r = acknowledge(o, { kind: 'cooldown', ms: 1000 }, limits, now + 1);
      o = r.outbox;
      last = r.outcome.kind;
    }
    expect(last).to.equal('given-up');
    expect(o.queue).to.deep.equal([]);
  });

  it('a refusal (PM to someone absent) is reported, not resent', () => {
    const o = takeDue(withQueue(line(1)), limits, 0).outbox;
    const r = acknowledge(o, { kind: 'refused', reason: 'PM failed' }, limits, 1);
    expect(r.outcome).to.deep.include({ kind: 'failed', reason: 'PM failed' });
    expect(r.outbox.queue).to.deep.equal([]);
  });

  it('expires lines that waited too long, and forgets unanswered ones after a while', () => {
    const o = takeDue(withQueue(line(1), line(2), line(3)), limits, 0).outbox;
    const r = expire(o, 60_000, 60_000);
    expect(r.dropped.map((i) => i.seq)).to.deep.equal([3]);
    expect(r.outbox.unacked).to.deep.equal([]);
  });

  it('a new session sends unanswered lines again, in order, before the rest', () => {
    const o = takeDue(withQueue(line(1), line(2), line(3)), limits, 0).outbox;
    const fresh = requeueUnconfirmed(resetSession(o));
    expect(fresh.queue.map((i) => i.seq)).to.deep.equal([1, 2, 3]);
    expect(fresh.unacked).to.deep.equal([]);
  });
});
