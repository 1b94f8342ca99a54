/**
 * Chat lines for quotes, each within one CyTube message (320 on a stock server). Lengths are in
 * UTF-16 units, as CyTube and Rosey's connector measure them (an emoji counts 2). Pure.
 */
export interface Quote {
  id: number;
  text: string;
  author: string;
  addedBy: string;
  timestamp: number;
  score: number;
  tags: string[];
}

export const DEFAULT_MAX_LENGTH = 320;

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

/** `#42: "text" — author (score 5)`, the text shortened so the whole line fits in `max`. */
export function formatQuote(q: Quote, max = DEFAULT_MAX_LENGTH): string {
  const head = `#${q.id}: "`;
  const score = ` (score ${q.score})`;
  // The author gets at most a third of what is left, so the quote itself keeps the most room.
  const authorMax = Math.min(60, Math.max(8, Math.floor((max - head.length - score.length) / 3)));
  const author = q.author === 'Unknown' ? '' : ` — ${truncate(q.author, authorMax)}`;
  const tail = `"${author}${score}`;
  return `${head}${truncate(q.text, Math.max(1, max - head.length - tail.length))}${tail}`;
}

/**
 * `Found 12 quotes for "x": #3, #9, #12 and 9 more — #3: "text" — author (score 0)`. On a short
 * line the term and the id list shrink first, so the first quote keeps at least 50 characters.
 */
export function formatSearch(
  term: string,
  total: number,
  ids: number[],
  first: Quote,
  max = DEFAULT_MAX_LENGTH,
): string {
  const noun = total === 1 ? 'quote' : 'quotes';
  for (const [termMax, shown] of [
    [40, ids.length],
    [15, 3],
    [15, 1],
  ] as const) {
    const listed = ids.slice(0, shown);
    const more = total > listed.length ? ` and ${total - listed.length} more` : '';
    const head = `Found ${total} ${noun} for "${truncate(term, termMax)}": ${listed.map((id) => `#${id}`).join(', ')}${more} — `;
    const room = max - head.length;
    if (room >= 50) return head + formatQuote(first, room);
  }
  return truncate(`Found ${total} ${noun} for "${truncate(term, 15)}", first #${first.id}`, max);
}

/**
 * `Top 3: #4 (12) "text…" · #9 (7) "text…"`, the texts sharing the room left; when each would get
 * fewer than 15 characters, just the ids and scores.
 */
export function formatTop(quotes: Quote[], max = DEFAULT_MAX_LENGTH): string {
  const head = `Top ${quotes.length}: `;
  const parts = quotes.map((q) => `#${q.id} (${q.score})`);
  const fixed = head.length + parts.reduce((n, p) => n + p.length + 3, 0) + (quotes.length - 1) * 3;
  const each = Math.floor((max - fixed) / quotes.length);
  if (each < 15) return truncate(head + parts.join(' · '), max);
  return head + quotes.map((q, i) => `${parts[i]} "${truncate(q.text, each)}"`).join(' · ');
}

export const formatTags = (q: Pick<Quote, 'id' | 'tags'>, max = DEFAULT_MAX_LENGTH) =>
  truncate(
    q.tags.length === 0 ? `#${q.id} has no tags.` : `#${q.id} tags: ${q.tags.map((t) => `#${t}`).join(' ')}`,
    max,
  );
