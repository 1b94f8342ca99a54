/** Chat lines for quotes, each within one CyTube message (320 characters on a stock server). Pure. */
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

const chars = (s: string) => [...s];

/** `text` cut to `max` characters, ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  const c = chars(text);
  if (c.length <= max) return text;
  return `${c
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}…`;
}

/** `#42: "text" — author (score 5)`, the text shortened so the whole line fits in `max`. */
export function formatQuote(q: Quote, max = DEFAULT_MAX_LENGTH): string {
  const author = q.author === 'Unknown' ? '' : ` — ${truncate(q.author, 60)}`;
  const tail = `"${author} (score ${q.score})`;
  const head = `#${q.id}: "`;
  const room = max - chars(head).length - chars(tail).length;
  return `${head}${truncate(q.text, room)}${tail}`;
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
    const room = max - chars(head).length;
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
  const fixed =
    chars(head).length + parts.reduce((n, p) => n + chars(p).length + 3, 0) + (quotes.length - 1) * 3;
  const each = Math.floor((max - fixed) / quotes.length);
  if (each < 15) return truncate(head + parts.join(' · '), max);
  return head + quotes.map((q, i) => `${parts[i]} "${truncate(q.text, each)}"`).join(' · ');
}

export const formatTags = (q: Pick<Quote, 'id' | 'tags'>) =>
  q.tags.length === 0 ? `#${q.id} has no tags.` : `#${q.id} tags: ${q.tags.map((t) => `#${t}`).join(' ')}`;
