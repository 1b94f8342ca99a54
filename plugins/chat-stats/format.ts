/**
 * The chat lines of chat-stats, each within one CyTube message (320 on a stock server). Pure: the
 * current time is always passed in. Lengths in UTF-16 units, as CyTube measures them.
 */
import type { ChannelStats, UserStats } from './store.js';

export const MAX_REPLY = 320;
/** A name as echoed back from what someone typed: long enough for any platform's user name. */
const NAME_SHOWN = 40;

/** `text` cut to at most `max` UTF-16 units, ending in `…` when cut, never inside a character. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = '';
  for (const c of text) {
    if (kept.length + c.length > max - 1) break;
    kept += c;
  }
  return `${kept.trimEnd()}…`;
}

/** A name from the command line, safe to repeat: control characters dropped, at most 40 units. */
export const shownName = (name: string) => truncate(name.replace(/\p{Cc}/gu, ''), NAME_SHOWN);

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** `2d 4h`, `3h 5m`, `5m 12s`, `42s`: the two largest units, rounded down; `0s` below a second. */
export function duration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(ms));
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  const shown = parts.filter((p) => !p.startsWith('0'));
  return shown.length > 0 ? shown.join(' ') : '0s';
}

/** `5m 12s ago`, or `just now` within 5 seconds (and for a time a clock ahead of ours gave). */
export const ago = (at: number, now: number) => (now - at < 5000 ? 'just now' : `${duration(now - at)} ago`);

/** `2026-12-06 15:04 UTC`. */
export function utc(at: number): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const DOING: Record<UserStats['lastAction'], string> = {
  chat: 'chatting',
  join: 'joining',
  leave: 'leaving',
  present: 'already here when Rosey came',
};

/** Time connected so far: the finished stretches plus the current one. */
export const connectedMs = (u: UserStats, now: number) =>
  u.connectedMs + (u.hereSince === null ? 0 : Math.max(0, now - u.hereSince));

/** The answer to `!seen NAME`. */
export function formatSeen(u: UserStats, now: number): string {
  const when = `${ago(u.lastSeen, now)} (${utc(u.lastSeen)})`;
  // Listed as here when Rosey came is a sighting, not something they did.
  if (u.hereSince !== null && u.lastAction === 'present')
    return truncate(`${u.name} is here, silent since Rosey came ${when}.`, MAX_REPLY);
  if (u.hereSince !== null)
    return truncate(`${u.name} is here (since ${ago(u.hereSince, now)}), last active ${when}.`, MAX_REPLY);
  return truncate(`${u.name} was last seen ${when}, ${DOING[u.lastAction]}.`, MAX_REPLY);
}

export const formatNotSeen = (name: string) => `I have not seen ${shownName(name)} here.`;

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The answer to `!stats NAME`. */
export function formatUser(u: UserStats, now: number): string {
  const here = u.hereSince === null ? `last seen ${ago(u.lastSeen, now)}` : 'here now';
  return truncate(
    `${u.name}: ${plural(u.lines, 'line')}, first seen ${utc(u.firstSeen)}, ${here}, connected ${duration(connectedMs(u, now))}.`,
    MAX_REPLY,
  );
}

/** The answer to `!stats`: the channel. */
export function formatChannel(c: ChannelStats): string {
  const peak = c.peakAt === null ? 'nobody yet' : `${c.peakUsers} (${utc(c.peakAt)})`;
  return truncate(
    `This channel: ${plural(c.users, 'user')} seen, ${plural(c.lines, 'line')}; most here at once: ${peak}; here now: ${c.here}.`,
    MAX_REPLY,
  );
}

/** The answer to `!top`: `Top talkers: 1. alice 42 · 2. bob 17`, names shortened to fit. */
export function formatTop(top: Array<Pick<UserStats, 'name' | 'lines'>>): string {
  if (top.length === 0) return 'Nobody has said anything here yet.';
  const line = (nameMax: number) =>
    `Top talkers: ${top.map((u, i) => `${i + 1}. ${truncate(u.name, nameMax)} ${u.lines.toLocaleString('en-US')}`).join(' · ')}`;
  for (const nameMax of [100, 40, 20, 10]) {
    const text = line(nameMax);
    if (text.length <= MAX_REPLY) return text;
  }
  return truncate(line(10), MAX_REPLY);
}
