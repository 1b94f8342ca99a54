/**
 * One channel's Markov model, pure: no I/O, no clock, the randomness passed in. An order-2 chain
 * (the next word depends on the two before it) over the lines it was taught, which it keeps, at
 * most `maxLines` of them: the oldest is unlearned when a new one would exceed that, so the model's
 * size is bounded, and a user's lines can be forgotten exactly.
 */

/** Sentence start and end, never words (words have no control characters). */
const START = '\u0002';
const END = '\u0003';
/** Longest line, in words, it learns (the rest is cut): a pasted wall of text teaches little. */
export const MAX_WORDS = 40;
/** Longest word kept, in characters. */
export const MAX_WORD_LENGTH = 40;

export interface Line {
  /** Storage id, once stored. */
  id?: number;
  /** Lower-cased user name. */
  user: string;
  words: string[];
}

/** The words of a chat line as the model takes them: split on spaces, control characters gone. */
export function wordsOf(text: string): string[] {
  return (
    text
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, ' ')
      .split(/\s+/)
      .filter((w) => w.length > 0 && w.length <= MAX_WORD_LENGTH)
      .slice(0, MAX_WORDS)
  );
}

const keyOf = (a: string, b: string) => `${a} ${b}`;

export class Chain {
  /** "w1 w2" → next word → count. */
  private readonly next = new Map<string, Map<string, number>>();
  /** A word, lower-cased → the states "w0 word" it is said in → how often: where a seed starts. */
  private readonly seeds = new Map<string, Map<string, number>>();
  /** Oldest first. */
  private lines: Line[] = [];
  private head = 0;

  constructor(private readonly maxLines: number) {}

  get size(): number {
    return this.lines.length - this.head;
  }

  /** Distinct (two words → next) transitions. */
  get transitions(): number {
    let n = 0;
    for (const m of this.next.values()) n += m.size;
    return n;
  }

  /** Every transition with its count, sorted: two chains with the same counts say the same things. */
  counts(): Array<[string, string, number]> {
    const out: Array<[string, string, number]> = [];
    for (const [key, options] of this.next) for (const [word, n] of options) out.push([key, word, n]);
    return out.sort((a, b) => (a[0] + '\u0001' + a[1]).localeCompare(b[0] + '\u0001' + b[1]));
  }

  /** The lines it knows, oldest first. */
  known(): Line[] {
    return this.lines.slice(this.head);
  }

  /** Learns a line (of at least one word); unlearns the oldest ones beyond the cap. Returns those. */
  learn(line: Line): Line[] {
    if (line.words.length === 0) return [];
    this.walk(line.words, 1);
    this.lines.push(line);
    const dropped: Line[] = [];
    while (this.size > this.maxLines) {
      const old = this.lines[this.head++]!;
      this.walk(old.words, -1);
      dropped.push(old);
    }
    // Compacts the array now and then, not at every line.
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }

  /** Unlearns every line of `user` (lower-cased); returns them. */
  forget(user: string): Line[] {
    const gone: Line[] = [];
    const kept: Line[] = [];
    for (const line of this.known()) (line.user === user ? gone : kept).push(line);
    for (const line of gone) this.walk(line.words, -1);
    this.lines = kept;
    this.head = 0;
    return gone;
  }

  /**
   * A sentence: from the start of a line, or from `seed` (its last word the model knows, with the
   * word before it in one of the lines it was said in). Undefined when it knows nothing to say.
   */
  generate(random: () => number, seed: string[] = [], maxWords = 30): string | undefined {
    let a = START;
    let b = START;
    const out: string[] = [];
    if (seed.length > 0) {
      const start = this.seedState(seed, random);
      if (!start) return undefined;
      [a, b] = start.state;
      out.push(...start.prefix);
    }
    while (out.length < maxWords) {
      const options = this.next.get(keyOf(a, b));
      if (!options) break;
      const word = pick(options, random);
      if (word === END) break;
      out.push(word);
      [a, b] = [b, word];
    }
    return out.length > 0 ? out.join(' ') : undefined;
  }

  /** Where a sentence from `seed` starts: the seed's words up to one it knows, and its state. */
  private seedState(
    seed: string[],
    random: () => number,
  ): { state: [string, string]; prefix: string[] } | undefined {
    for (let i = seed.length - 1; i >= 0; i--) {
      const places = this.seeds.get(seed[i]!.toLowerCase());
      if (!places) continue;
      const [a, b] = pick(places, random).split(' ') as [string, string];
      return { state: [a, b], prefix: [...seed.slice(0, i), b] };
    }
    return undefined;
  }

  private walk(words: string[], by: 1 | -1): void {
    let a = START;
    let b = START;
    for (const word of [...words, END]) {
      const key = keyOf(a, b);
      let options = this.next.get(key);
      if (!options) {
        if (by < 0) break; // nothing learned from here on (cannot happen for a learned line)
        options = new Map();
        this.next.set(key, options);
      }
      const count = (options.get(word) ?? 0) + by;
      if (count > 0) options.set(word, count);
      else options.delete(word);
      if (options.size === 0) this.next.delete(key);
      if (word === END) break;
      this.count(this.seeds, word.toLowerCase(), keyOf(b, word), by);
      [a, b] = [b, word];
    }
  }

  private count(index: Map<string, Map<string, number>>, key: string, item: string, by: 1 | -1): void {
    let items = index.get(key);
    if (!items) index.set(key, (items = new Map()));
    const n = (items.get(item) ?? 0) + by;
    if (n > 0) items.set(item, n);
    else items.delete(item);
    if (items.size === 0) index.delete(key);
  }
}

function pick(options: Map<string, number>, random: () => number): string {
  let total = 0;
  for (const n of options.values()) total += n;
  let x = random() * total;
  for (const [word, n] of options) {
    x -= n;
    if (x < 0) return word;
  }
  return [...options.keys()].at(-1)!;
}
