/**
 * How CyTube turns a raw chat line into the HTML every client receives. Pure functions, so the
 * rules recorded in 03/04 can be table-tested without a socket.
 */

export interface FormatOptions {
  maxLength: number;
  /** Channel option `allow_ascii_control`: when false, control characters become spaces. */
  allowAsciiControl: boolean;
  /** Chat interprets `/me` and `/sp`; PMs do not (04 sends "/me in a pm" verbatim). */
  interpretActions: boolean;
}

export interface FormattedMessage {
  msg: string;
  meta: Record<string, unknown>;
}

const USERNAME = /^[\w-]{1,20}$/;
const CHANNEL_NAME = /^[\w-]{1,30}$/;

export function isValidUserName(name: string): boolean {
  return USERNAME.test(name);
}

export function isValidChannelName(name: string): boolean {
  return CHANNEL_NAME.test(name);
}

/** Control characters (C0 and DEL) become one space each, as in 03 (TAB included). */
export function replaceControlChars(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** Only &, < and > are escaped: 03 shows quotes arriving untouched. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Runs on already-escaped text, so the `&` inside a URL is `&amp;` in both href and label (03).
 * Only http(s) URLs are linked; a bare www.example.net stays text.
 */
export function linkify(escaped: string): string {
  return escaped.replace(
    /\bhttps?:\/\/[^\s<>"]+/g,
    (url) => `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`,
  );
}

export function renderHtml(text: string): string {
  return linkify(escapeHtml(text));
}

/**
 * Cuts and cleans the raw text. Cutting counts raw characters (before escaping), which is why the
 * 400-char line in 03 arrives as exactly 320 x's.
 */
export function cleanText(raw: string, maxLength: number, allowAsciiControl: boolean): string {
  const cut = Array.from(raw).slice(0, maxLength).join('');
  return allowAsciiControl ? cut : replaceControlChars(cut);
}

/** Blank lines get no reply at all; callers drop them when this returns null. */
export function formatMessage(raw: string, o: FormatOptions): FormattedMessage | null {
  const text = cleanText(raw, o.maxLength, o.allowAsciiControl);
  if (text.trim() === '') return null;
  if (o.interpretActions) {
    if (text.startsWith('/me '))
      return { msg: renderHtml(text.slice(4)), meta: { addClass: 'action', action: true } };
    if (text.startsWith('/sp ')) return { msg: renderHtml(text.slice(4)), meta: { addClass: 'spoiler' } };
  }
  if (text.startsWith('>')) return { msg: renderHtml(text), meta: { addClass: 'greentext' } };
  return { msg: renderHtml(text), meta: {} };
}

/**
 * Users below moderator cannot style their lines: their meta is dropped (03, rank 1 → `{}`).
 * A moderator's `modflair` survives only when it names their own rank.
 */
export function filterClientMeta(meta: unknown, rank: number): Record<string, unknown> {
  if (rank < 2 || typeof meta !== 'object' || meta === null) return {};
  const modflair = (meta as Record<string, unknown>).modflair;
  return modflair === rank ? { modflair } : {};
}
