/**
 * Reading `<when>` and writing times and durations, all in UTC. Pure: the current time is passed in.
 */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;
/** How far ahead a countdown may be. */
export const MAX_AHEAD_MS = 5 * 366 * DAY;

/** When a countdown ends: the next instant, and for recurring ones the period and how it was said. */
export interface When {
  at: number;
  repeatMs?: number;
  /** e.g. `every friday 19:00`, `every day 08:00`. */
  repeatLabel?: string;
}

export type WhenResult = { ok: true; when: When } | { ok: false; reason: string };

export const WHEN_EXAMPLES =
  '2026-12-24 18:00, in 2 hours, in 90 minutes, tomorrow 20:00, friday 19:00, every friday 19:00, every day 08:00 (times are UTC)';

const WEEKDAYS: Record<string, number> = {
  sunday: 0,
  sun: 0,
  monday: 1,
  mon: 1,
  tuesday: 2,
  tue: 2,
  tues: 2,
  wednesday: 3,
  wed: 3,
  thursday: 4,
  thu: 4,
  thur: 4,
  thurs: 4,
  friday: 5,
  fri: 5,
  saturday: 6,
  sat: 6,
};
const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_SHORT = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Words that start a `<when>`: they cannot be countdown names. */
export const WHEN_WORDS: ReadonlySet<string> = new Set([
  'in',
  'every',
  'today',
  'tomorrow',
  ...Object.keys(WEEKDAYS),
]);

const UNITS: Record<string, number> = {
  s: SECOND,
  sec: SECOND,
  secs: SECOND,
  second: SECOND,
  seconds: SECOND,
  m: MINUTE,
  min: MINUTE,
  mins: MINUTE,
  minute: MINUTE,
  minutes: MINUTE,
  h: HOUR,
  hr: HOUR,
  hrs: HOUR,
  hour: HOUR,
  hours: HOUR,
  d: DAY,
  day: DAY,
  days: DAY,
  w: WEEK,
  wk: WEEK,
  wks: WEEK,
  week: WEEK,
  weeks: WEEK,
};

const fail = (reason: string): WhenResult => ({ ok: false, reason });
const NOT_UNDERSTOOD = `I could not read that time. Examples: ${WHEN_EXAMPLES}.`;

/** `HH:MM` (24 h) or `7pm` / `7:30pm` → minutes after midnight; undefined when it is neither. */
export function parseClock(token: string): number | undefined {
  let m = /^(\d{1,2}):(\d{2})$/.exec(token);
  if (m) {
    const h = Number(m[1]);
    const min = Number(m[2]);
    return h <= 23 && min <= 59 ? h * 60 + min : undefined;
  }
  m = /^(\d{1,2})(?::(\d{2}))?(am|pm)$/.exec(token);
  if (m) {
    const h = Number(m[1]);
    const min = m[2] === undefined ? 0 : Number(m[2]);
    if (h < 1 || h > 12 || min > 59) return undefined;
    return ((h % 12) + (m[3] === 'pm' ? 12 : 0)) * 60 + min;
  }
  return undefined;
}

const clockText = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const midnight = (t: number) => t - (((t % DAY) + DAY) % DAY);

/** `in 2 hours`, `in 1h 30m`, `in 90 minutes and 10 seconds` (the words after `in`) → milliseconds. */
export function parseDuration(text: string): number | undefined {
  let rest = text
    .replace(/,/g, ' ')
    .replace(/\band\b/g, ' ')
    .trim();
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const m = /^(\d{1,7})\s*([a-z]+)\s*/.exec(rest);
    if (!m) return undefined;
    const unit = UNITS[m[2]!];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Reads `<when>` relative to `now` (epoch ms). Words are case-insensitive; a trailing `UTC` is allowed. */
export function parseWhen(input: string, now: number): WhenResult {
  const tokens = input.toLowerCase().trim().split(/\s+/).filter(Boolean);
  if (tokens.at(-1) === 'utc' || tokens.at(-1) === 'z') tokens.pop();
  if (tokens.length === 0) return fail(`When? Examples: ${WHEN_EXAMPLES}.`);
  if (tokens.length > 12) return fail(NOT_UNDERSTOOD);
  const [first, ...rest] = tokens as [string, ...string[]];

  const future = (at: number, extra: Partial<When> = {}): WhenResult => {
    if (!Number.isFinite(at)) return fail(NOT_UNDERSTOOD);
    if (at <= now) return fail('That time has already passed (times are UTC).');
    if (at - now > MAX_AHEAD_MS) return fail('That is too far ahead (at most 5 years).');
    return { ok: true, when: { at, ...extra } };
  };
  /** The clock of `[at] HH:MM` at `tokens` (absent: midnight, if allowed); undefined when unreadable. */
  const clockOf = (words: string[], required: boolean): number | undefined => {
    const w = words[0] === 'at' ? words.slice(1) : words;
    if (w.length === 0) return required || words.length > 0 ? undefined : 0;
    if (w.length !== 1) return undefined;
    return parseClock(w[0]!);
  };

  if (first === 'in') {
    const ms = parseDuration(rest.join(' '));
    if (ms === undefined)
      return fail(`I could not read that duration. Examples: in 2 hours, in 90 minutes, in 1h 30m.`);
    if (ms <= 0) return fail('The duration must be more than zero.');
    return future(now + ms);
  }

  if (first === 'every') {
    const [what, ...clock] = rest;
    const minutes = clockOf(clock, true);
    if (what === undefined || minutes === undefined)
      return fail('Recurring countdowns: every day HH:MM, or every <weekday> HH:MM (UTC).');
    if (what === 'day' || what === 'daily') {
      let at = midnight(now) + minutes * MINUTE;
      if (at <= now) at += DAY;
      return future(at, { repeatMs: DAY, repeatLabel: `every day ${clockText(minutes)}` });
    }
    const weekday = WEEKDAYS[what];
    if (weekday === undefined)
      return fail('Recurring countdowns: every day HH:MM, or every <weekday> HH:MM (UTC).');
    return future(nextWeekday(now, weekday, minutes), {
      repeatMs: WEEK,
      repeatLabel: `every ${WEEKDAY_NAMES[weekday]} ${clockText(minutes)}`,
    });
  }

  if (first === 'today' || first === 'tomorrow') {
    const minutes = clockOf(rest, first === 'today');
    if (minutes === undefined) return fail(`Write ${first} HH:MM (UTC).`);
    return future(midnight(now) + (first === 'tomorrow' ? DAY : 0) + minutes * MINUTE);
  }

  const weekday = WEEKDAYS[first];
  if (weekday !== undefined) {
    const minutes = clockOf(rest, false);
    if (minutes === undefined) return fail('Write <weekday> HH:MM, e.g. friday 19:00 (UTC).');
    return future(nextWeekday(now, weekday, minutes));
  }

  // 2026-12-24 18:00, 2026-12-24T18:00, 2026-12-24
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:t(\d{1,2}:\d{2}))?$/.exec(first);
  if (date) {
    const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const day = Date.UTC(y, mo - 1, d);
    const check = new Date(day);
    if (
      mo < 1 ||
      mo > 12 ||
      check.getUTCFullYear() !== y ||
      check.getUTCMonth() !== mo - 1 ||
      check.getUTCDate() !== d
    )
      return fail('That date does not exist.');
    const minutes =
      date[4] !== undefined ? (rest.length === 0 ? parseClock(date[4]) : undefined) : clockOf(rest, false);
    if (minutes === undefined)
      return fail(`Write the date as YYYY-MM-DD HH:MM (UTC), e.g. 2026-12-24 18:00.`);
    return future(day + minutes * MINUTE);
  }

  // A bare clock: its next occurrence.
  const minutes = rest.length === 0 ? parseClock(first) : undefined;
  if (minutes !== undefined) {
    let at = midnight(now) + minutes * MINUTE;
    if (at <= now) at += DAY;
    return future(at);
  }
  return fail(NOT_UNDERSTOOD);
}

/** The next `weekday` at `minutes` after midnight that is later than `now`. */
export function nextWeekday(now: number, weekday: number, minutes: number): number {
  const start = midnight(now);
  const today = new Date(start).getUTCDay();
  let at = start + ((weekday - today + 7) % 7) * DAY + minutes * MINUTE;
  if (at <= now) at += WEEK;
  return at;
}

/** The first `at + k·repeatMs` (k ≥ 0) later than `now`. */
export function rollForward(at: number, repeatMs: number, now: number): number {
  if (at > now) return at;
  return at + (Math.floor((now - at) / repeatMs) + 1) * repeatMs;
}

/** `Thu 24 Dec 18:00 UTC`; the year is added when it is not the year of `now`. */
export function formatInstant(at: number, now: number): string {
  const d = new Date(at);
  const year = d.getUTCFullYear() === new Date(now).getUTCFullYear() ? '' : ` ${d.getUTCFullYear()}`;
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${DAY_SHORT[d.getUTCDay()]} ${d.getUTCDate()} ${MONTH_SHORT[d.getUTCMonth()]}${year} ${hh}:${mm} UTC`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * `3 days 4 hours 12 minutes` (whole minutes, rounded down), or `45 seconds` under a minute. With
 * `round`, minutes are rounded to the nearest and 55 s or more counts as a minute: an alert posted a
 * few ms after its 1-minute mark says "1 minute", not "60 seconds".
 */
export function formatDuration(ms: number, round = false): string {
  if (ms < (round ? MINUTE - 5 * SECOND : MINUTE))
    return plural(Math.max(0, Math.ceil(ms / SECOND)), 'second');
  const total = round ? Math.max(1, Math.round(ms / MINUTE)) : Math.floor(ms / MINUTE);
  const days = Math.floor(total / (24 * 60));
  const hours = Math.floor((total % (24 * 60)) / 60);
  const minutes = total % 60;
  const parts: string[] = [];
  if (days > 0) parts.push(plural(days, 'day'));
  if (hours > 0) parts.push(plural(hours, 'hour'));
  if (minutes > 0) parts.push(plural(minutes, 'minute'));
  return parts.join(' ');
}

/** `3d 4h 12m`, for lists. */
export function formatShort(ms: number): string {
  if (ms < MINUTE) return `${Math.max(0, Math.ceil(ms / SECOND))}s`;
  const total = Math.floor(ms / MINUTE);
  const days = Math.floor(total / (24 * 60));
  const hours = Math.floor((total % (24 * 60)) / 60);
  const minutes = total % 60;
  return [days ? `${days}d` : '', hours ? `${hours}h` : '', minutes ? `${minutes}m` : '']
    .filter(Boolean)
    .join(' ');
}
