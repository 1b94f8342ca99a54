/**
 * The hashtag rule, shared with migration 003's SQL (which must agree with it for quotes that
 * existed before tags did): a space-separated word `#` + 1–32 of `A-Z a-z 0-9 _`, trailing
 * `. , ! ? ; : ) ' "` ignored, lower-cased, each tag once, in order of first appearance, the first
 * `TAGS_PER_QUOTE`.
 */
export const TAGS_PER_QUOTE = 20;
const TAG = /^[A-Za-z0-9_]{1,32}$/;
const TRAILING = /[.,!?;:)'"]+$/;

/** The tags of a quote's text (already cleaned: no tabs or newlines). */
export function hashtags(text: string): string[] {
  const found: string[] = [];
  for (const word of text.split(' ')) {
    if (!word.startsWith('#')) continue;
    const tag = word.slice(1).replace(TRAILING, '');
    if (!TAG.test(tag)) continue;
    const lower = tag.toLowerCase();
    if (!found.includes(lower)) found.push(lower);
    if (found.length === TAGS_PER_QUOTE) break;
  }
  return found;
}

/** A tag as `!quote tag` takes it (`#Tapes` or `tapes`) → `tapes`, or undefined when it is not one. */
export function parseTag(text: string): string | undefined {
  const tag = text.startsWith('#') ? text.slice(1) : text;
  return TAG.test(tag) ? tag.toLowerCase() : undefined;
}
