/** Reading `!countdown …` into what was asked, and the texts of the replies. Pure. */
import type { Countdown } from './schedule.js';
import { formatDuration, formatInstant, formatShort, WHEN_WORDS, parseWhen, type When } from './when.js';

export const USAGE = 'countdown <name> <when> | <name> | list | delete <name>';
export const HELP =
  'Usage: !countdown <name> <when> (e.g. !countdown xmas 2026-12-24 18:00, in 2 hours, tomorrow 20:00, friday 19:00, every friday 19:00) · !countdown <name> · !countdown list · !countdown delete <name>. Times are UTC.';
export const NAME_RULE = 'A countdown name is 1-32 characters of a-z, 0-9, - and _.';
const NAME = /^[a-z0-9_-]{1,32}$/;
const RESERVED = new Set(['list', 'delete', 'help', ...WHEN_WORDS]);

export type Request =
  | { kind: 'help' }
  | { kind: 'reason'; text: string }
  | { kind: 'list' }
  | { kind: 'show'; name: string }
  | { kind: 'delete'; name: string }
  | { kind: 'create'; name: string; when: When };

/** Checks a name; the lower-cased name, or the reason it is refused. */
export function checkName(raw: string): { ok: true; name: string } | { ok: false; reason: string } {
  const name = raw.toLowerCase();
  if (!NAME.test(name)) return { ok: false, reason: NAME_RULE };
  return { ok: true, name };
}

/** `args` as the router split them (whitespace); `now` for reading relative times. */
export function parseRequest(args: readonly string[], now: number): Request {
  const [first, ...rest] = args;
  if (first === undefined) return { kind: 'help' };
  const word = first.toLowerCase();
  if (word === 'help') return { kind: 'help' };
  if (word === 'list')
    return rest.length === 0
      ? { kind: 'list' }
      : { kind: 'reason', text: 'Usage: !countdown list (nothing after it).' };
  if (word === 'delete') {
    if (rest.length !== 1) return { kind: 'reason', text: 'Usage: !countdown delete <name>' };
    const checked = checkName(rest[0]!);
    return checked.ok ? { kind: 'delete', name: checked.name } : { kind: 'reason', text: checked.reason };
  }
  if (WHEN_WORDS.has(word) || /^\d{4}-\d{2}-\d{2}/.test(word))
    return {
      kind: 'reason',
      text: 'Name the countdown first: !countdown <name> <when>, e.g. !countdown xmas in 2 hours',
    };
  const checked = checkName(first);
  if (!checked.ok) return { kind: 'reason', text: checked.reason };
  if (RESERVED.has(checked.name))
    return { kind: 'reason', text: `"${checked.name}" cannot be a countdown name.` };
  if (rest.length === 0) return { kind: 'show', name: checked.name };
  const when = parseWhen(rest.join(' '), now);
  return when.ok
    ? { kind: 'create', name: checked.name, when: when.when }
    : { kind: 'reason', text: when.reason };
}

const repeatNote = (c: Pick<Countdown, 'repeatLabel'>) => (c.repeatLabel ? `, ${c.repeatLabel} UTC` : '');

/** `xmas: 3 days 4 hours 12 minutes (Thu 24 Dec 18:00 UTC)` */
export function showText(c: Countdown, now: number): string {
  const left = c.targetAt - now;
  const when = formatInstant(c.targetAt, now);
  if (left <= 0) return `${c.name}: now! (${when}${repeatNote(c)})`;
  return `${c.name}: ${formatDuration(left)} (${when}${repeatNote(c)})`;
}

export function createdText(c: Countdown, now: number): string {
  const when = formatInstant(c.targetAt, now);
  const left = formatDuration(c.targetAt - now);
  return c.repeatLabel
    ? `⏳ ${c.name}: ${c.repeatLabel} UTC; next ${when} (in ${left}).`
    : `⏳ ${c.name}: ${when} (in ${left}).`;
}

/** How many countdowns a list line shows. */
export const LIST_MAX = 8;

export function listText(countdowns: readonly Countdown[], total: number, now: number): string {
  if (total === 0 || countdowns.length === 0)
    return 'No countdowns here. Start one: !countdown <name> in 2 hours';
  const items = countdowns
    .slice(0, LIST_MAX)
    .map(
      (c) => `${c.name} ${c.targetAt > now ? formatShort(c.targetAt - now) : 'now'}${c.repeatMs ? ' ↻' : ''}`,
    );
  const more = total > items.length ? ` … and ${total - items.length} more` : '';
  return `Countdowns (${total}): ${items.join(', ')}${more}`;
}
