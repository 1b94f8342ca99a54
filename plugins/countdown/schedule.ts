/**
 * The scheduler's decisions, as pure functions of the countdowns and the current time: which alerts
 * are due (`due`), what each countdown becomes afterwards, and when to wake next (`nextWake`).
 */
import { formatDuration, formatInstant, MINUTE, rollForward } from './when.js';

export interface Countdown {
  id: number;
  platform: string;
  channel: string;
  /** Lower-case, 1–32 of a-z 0-9 - _. */
  name: string;
  creator: string;
  /** The instant it reaches zero (for recurring ones: the next occurrence), epoch ms. */
  targetAt: number;
  /** Recurring: the period (a day or a week); null for a one-off. */
  repeatMs: number | null;
  repeatLabel: string | null;
  /**
   * Every alert instant (a mark or zero) of this countdown at or before this time has been handled:
   * posted, or skipped because it was stale. Stored, so nothing is posted twice across restarts.
   */
  sentUntil: number;
  createdAt: number;
}

/** An alert is posted only within this long after its instant; older ones (Rosey was down) are skipped. */
export const GRACE_MS = 5 * MINUTE;
/** A zero alert later than this says how late it is instead of "is now!". */
export const LATE_MS = MINUTE;

export type Change =
  | { kind: 'advance'; targetAt: number; sentUntil: number }
  /** A one-off countdown that reached zero is done. */
  | { kind: 'delete' };

export interface Step {
  countdown: Countdown;
  /** The line to post, if any (none when the alert is stale). */
  text?: string;
  /** Minutes before zero of the alert handled (0 = zero). */
  mark: number;
  change: Change;
}

/** The alert instants of the current occurrence: each mark before zero, and zero. */
function instants(c: Countdown, marks: readonly number[]): Array<{ mark: number; at: number }> {
  return [...marks.map((mark) => ({ mark, at: c.targetAt - mark * MINUTE })), { mark: 0, at: c.targetAt }];
}

/**
 * What to do for one countdown at `now`: nothing (undefined), or the latest alert that is due —
 * alerts that were missed in between are folded into it, so a restart never posts a burst.
 */
export function step(c: Countdown, now: number, marks: readonly number[]): Step | undefined {
  const pending = instants(c, marks).filter((i) => i.at > c.sentUntil && i.at <= now);
  if (pending.length === 0) return undefined;
  const latest = pending.reduce((a, b) => (b.at > a.at ? b : a));
  const when = (at: number) => formatInstant(at, now);

  if (latest.mark > 0) {
    const late = now - latest.at;
    const text =
      late > GRACE_MS
        ? undefined
        : `⏳ ${c.name} in ${formatDuration(c.targetAt - now, true)} (${when(c.targetAt)})`;
    return {
      countdown: c,
      mark: latest.mark,
      change: { kind: 'advance', targetAt: c.targetAt, sentUntil: latest.at },
      ...(text === undefined ? {} : { text }),
    };
  }

  // Zero has passed. For a recurring countdown the occurrence that matters is the latest one passed.
  const occurred = c.repeatMs ? rollForward(c.targetAt, c.repeatMs, now) - c.repeatMs : c.targetAt;
  const late = now - occurred;
  let text: string | undefined;
  if (late <= LATE_MS) text = `⏰ ${c.name} is now!`;
  else if (late <= GRACE_MS)
    text = `⏰ ${c.name} was due ${formatDuration(late)} ago (${when(occurred)}); I could not say so in time.`;
  const change: Change = c.repeatMs
    ? { kind: 'advance', targetAt: occurred + c.repeatMs, sentUntil: occurred }
    : { kind: 'delete' };
  return { countdown: c, mark: 0, change, ...(text === undefined ? {} : { text }) };
}

/** Every countdown's due step at `now`, the earliest alert first. */
export function due(countdowns: Iterable<Countdown>, now: number, marks: readonly number[]): Step[] {
  const steps: Step[] = [];
  for (const c of countdowns) {
    const s = step(c, now, marks);
    if (s) steps.push(s);
  }
  const instantOf = (s: Step) => s.countdown.targetAt - s.mark * MINUTE;
  return steps.sort((a, b) => instantOf(a) - instantOf(b) || a.countdown.id - b.countdown.id);
}

/** The earliest alert instant not handled yet (may be in the past: then it is due now); undefined if none. */
export function nextWake(countdowns: Iterable<Countdown>, marks: readonly number[]): number | undefined {
  let next: number | undefined;
  for (const c of countdowns)
    for (const { at } of instants(c, marks))
      if (at > c.sentUntil && (next === undefined || at < next)) next = at;
  return next;
}

/** The longest delay setTimeout takes (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** How long to sleep until `wake`, clamped to what setTimeout can do. */
export const delayUntil = (wake: number, now: number): number =>
  Math.min(Math.max(0, wake - now), MAX_TIMEOUT_MS);
