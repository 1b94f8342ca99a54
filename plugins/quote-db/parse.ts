/** `!quote …` → what the user asked for, or the usage line to answer with. Pure. */
import { hashtags, parseTag } from './hashtags.js';
import { author, quoteId, quoteText, searchTerm, topCount, type Checked } from './validate.js';

export const FEATURES = ['add', 'search', 'vote'] as const;
export type Feature = (typeof FEATURES)[number];

export type QuoteRequest =
  | { kind: 'random' }
  | { kind: 'get'; id: number }
  | { kind: 'add'; text: string; author: string; tags: string[] }
  | { kind: 'search'; term: string; tag?: string }
  | { kind: 'delete'; id: number }
  | { kind: 'count' }
  | { kind: 'vote'; id: number; by: 1 | -1 }
  | { kind: 'top'; n: number }
  | { kind: 'tag'; id: number; tag: string; remove: boolean }
  | { kind: 'feature'; name?: Feature; on?: boolean };

export const USAGE = {
  get: 'quote [ID] | quote get ID',
  add: 'quote add TEXT [-- AUTHOR]',
  search: 'quote search WORDS | quote search #TAG',
  delete: 'quote delete ID',
  count: 'quote count',
  vote: 'quote upvote ID | quote downvote ID',
  top: 'quote top [N]',
  tag: 'quote tag ID TAG | quote untag ID TAG',
  feature: 'quote feature [add|search|vote] [on|off]',
} as const;

export const HELP =
  'Quotes: !quote [ID] · !quote add TEXT [-- AUTHOR] · !quote search WORDS|#TAG · !quote top [N] · ' +
  '!quote upvote|downvote ID · !quote tag ID TAG · !quote delete ID · !quote count';

const usage = (what: keyof typeof USAGE) => `Usage: !${USAGE[what]}`;

type Parsed = { ok: true; request: QuoteRequest } | { ok: false; reply: string };
const want = (request: QuoteRequest): Parsed => ({ ok: true, request });
const say = (reply: string): Parsed => ({ ok: false, reply });

/** Turns a failed check into its reason, with the usage after it. */
function checked<T>(c: Checked<T>, what: keyof typeof USAGE, then: (v: T) => Parsed): Parsed {
  return c.ok ? then(c.value) : say(`${c.reason} ${usage(what)}`);
}

/** One id argument and nothing else. */
function idOnly(rest: string[], what: keyof typeof USAGE, then: (id: number) => Parsed): Parsed {
  if (rest.length !== 1) return say(usage(what));
  return checked(quoteId(rest[0]), what, then);
}

/** `text -- author`: the last ` -- ` separates them, so a quote may itself contain `--`. */
export function splitAuthor(text: string): { text: string; author?: string } {
  const padded = ` ${text}`; // so that a line starting with `-- ` has no text, only an author
  const at = padded.lastIndexOf(' -- ');
  if (at >= 0) return { text: padded.slice(1, Math.max(1, at)), author: padded.slice(at + 4) };
  if (padded.endsWith(' --')) return { text: padded.slice(1, -3), author: '' };
  return { text };
}

/** The text after the sub-command word, exactly as typed. */
function restText(argText: string): string {
  return argText.replace(/^\s*\S+\s*/, '');
}

export function parseQuote(args: string[], argText: string): Parsed {
  const [first, ...rest] = args;
  if (first === undefined) return want({ kind: 'random' });
  switch (first.toLowerCase()) {
    case 'random':
      return rest.length === 0 ? want({ kind: 'random' }) : say(usage('get'));
    case 'get':
      return idOnly(rest, 'get', (id) => want({ kind: 'get', id }));
    case 'add': {
      const parts = splitAuthor(restText(argText));
      return checked(quoteText(parts.text), 'add', (text) =>
        checked(author(parts.author), 'add', (name) =>
          want({ kind: 'add', text, author: name, tags: hashtags(text) }),
        ),
      );
    }
    case 'search':
    case 'find':
      return checked(searchTerm(restText(argText)), 'search', (term) => {
        if (!term.startsWith('#')) return want({ kind: 'search', term });
        const tag = parseTag(term);
        return tag === undefined
          ? say(`A tag is 1–32 letters, digits or _. ${usage('search')}`)
          : want({ kind: 'search', term, tag });
      });
    case 'delete':
      return idOnly(rest, 'delete', (id) => want({ kind: 'delete', id }));
    case 'count':
    case 'stats':
      return rest.length === 0 ? want({ kind: 'count' }) : say(usage('count'));
    case 'upvote':
    case 'downvote': {
      const by = first.toLowerCase() === 'upvote' ? 1 : -1;
      return idOnly(rest, 'vote', (id) => want({ kind: 'vote', id, by }));
    }
    case 'top':
      return rest.length <= 1
        ? checked(topCount(rest[0]), 'top', (n) => want({ kind: 'top', n }))
        : say(usage('top'));
    case 'tag':
    case 'untag': {
      if (rest.length !== 2) return say(usage('tag'));
      const tag = parseTag(rest[1]!);
      if (tag === undefined) return say(`A tag is 1–32 letters, digits or _. ${usage('tag')}`);
      const remove = first.toLowerCase() === 'untag';
      return checked(quoteId(rest[0]), 'tag', (id) => want({ kind: 'tag', id, tag, remove }));
    }
    case 'feature':
    case 'features': {
      if (rest.length === 0) return want({ kind: 'feature' });
      const name = rest[0]!.toLowerCase();
      if (!(FEATURES as readonly string[]).includes(name) || rest.length > 2) return say(usage('feature'));
      if (rest.length === 1) return want({ kind: 'feature', name: name as Feature });
      const word = rest[1]!.toLowerCase();
      if (word !== 'on' && word !== 'off') return say(usage('feature'));
      return want({ kind: 'feature', name: name as Feature, on: word === 'on' });
    }
    case 'help':
      return say(HELP);
    default:
      // `!quote 42` and `!quote #42`; anything else is not a sub-command.
      if (rest.length === 0 && /^#?\d+$/.test(first))
        return checked(quoteId(first), 'get', (id) => want({ kind: 'get', id }));
      return say(HELP);
  }
}
