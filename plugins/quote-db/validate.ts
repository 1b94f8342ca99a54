/**
 * Input rules for quotes (PRD §10.4/§15.1). Each check returns the clean value or a short reason
 * fit to be said in chat; nothing here throws.
 */
export const LIMITS = {
  textMin: 1,
  textMax: 1000,
  authorMax: 100,
  searchMax: 100,
  topMax: 10,
} as const;

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const no = (reason: string): Checked<never> => ({ ok: false, reason });

// Tabs and line breaks become spaces (a chat line is one line); other control characters go
// (matching control characters is the point of CONTROL).
const LINE_BREAKS = /[\t\n\r\v\f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;

/** Removes control and invisible formatting characters, folds whitespace runs, trims. */
export function clean(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replace(CONTROL, '').replace(/ {2,}/g, ' ').trim();
}

const length = (text: string) => [...text].length;

export function quoteText(raw: string): Checked<string> {
  const text = clean(raw);
  if (length(text) < LIMITS.textMin) return no('The quote is empty.');
  if (length(text) > LIMITS.textMax)
    return no(`That quote is ${length(text)} characters; the limit is ${LIMITS.textMax}.`);
  return ok(text);
}

// Names as people write them: letters (any script) and marks, digits, spaces and . , ' - & ( ) _
const AUTHOR = /^[\p{L}\p{M}\p{N} .,'’\-&()_]+$/u;

/** The author after `--`; none given means `Unknown`. */
export function author(raw: string | undefined): Checked<string> {
  if (raw === undefined) return ok('Unknown');
  const name = clean(raw);
  if (name === '') return no('Write the author after "--", or leave out the "--".');
  if (length(name) > LIMITS.authorMax) return no(`An author is at most ${LIMITS.authorMax} characters.`);
  if (!AUTHOR.test(name)) return no("An author is letters, digits, spaces and . , ' - & ( ) _ only.");
  return ok(name);
}

/** `42` or `#42` → 42. Ids are positive and fit a 32-bit column on both databases. */
export function quoteId(raw: string | undefined): Checked<number> {
  const digits = raw?.startsWith('#') ? raw.slice(1) : raw;
  if (digits === undefined || !/^\d{1,10}$/.test(digits)) return no('A quote id is a number, like 42.');
  const id = Number(digits);
  if (id < 1 || id > 2_147_483_647) return no('A quote id is a number from 1 to 2147483647.');
  return ok(id);
}

export function searchTerm(raw: string): Checked<string> {
  const term = clean(raw);
  if (term === '') return no('Search for what? !quote search <words or #tag>');
  if (length(term) > LIMITS.searchMax) return no(`Search terms are at most ${LIMITS.searchMax} characters.`);
  return ok(term);
}

/** `[N]` of `!quote top [N]`: 1–10, default 3. */
export function topCount(raw: string | undefined): Checked<number> {
  if (raw === undefined) return ok(3);
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > LIMITS.topMax)
    return no(`!quote top takes a number from 1 to ${LIMITS.topMax}.`);
  return ok(Number(raw));
}
