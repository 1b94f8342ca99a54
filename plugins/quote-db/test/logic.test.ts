import { expect } from 'chai';
import type { ErrorCode } from 'rosey/sdk';
import { StorageError } from 'rosey/sdk';
import { CircuitBreaker } from '../circuit-breaker.js';
import { addLimit, DEFAULTS, parseConfig } from '../config.js';
import { formatQuote, formatSearch, formatTags, formatTop, truncate, type Quote } from '../format.js';
import { hashtags, parseTag } from '../hashtags.js';
import { HELP, parseQuote, splitAuthor } from '../parse.js';
import { certainlyNotRun, retryable, withRetry } from '../retry.js';
import { author, clean, quoteId, quoteText, searchTerm, topCount } from '../validate.js';

/** `!quote …` as the router hands it over: words split on whitespace, and the raw text. */
const parse = (line: string) => parseQuote(line.split(/\s+/).filter(Boolean), line);
const request = (line: string) => {
  const parsed = parse(line);
  if (!parsed.ok) throw new Error(`refused: ${parsed.reply}`);
  return parsed.request;
};
const reply = (line: string) => {
  const parsed = parse(line);
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(parsed.request)}`);
  return parsed.reply;
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const quote = (over: Partial<Quote> = {}): Quote => ({
  id: 42,
  text: 'Keep circulating the tapes',
  author: 'MST3K',
  addedBy: 'bob',
  timestamp: 0,
  score: 5,
  tags: [],
  ...over,
});

describe('quote-db: hashtags (the rule migration 003 also applies in SQL)', () => {
  const cases: [string, string[]][] = [
    ['Keep #circulating the #tapes', ['circulating', 'tapes']],
    ['Keep #circulating the #tapes.', ['circulating', 'tapes']],
    ['#A #a #b_c, #ok! #why? (#paren)', ['a', 'b_c', 'ok', 'why']],
    ['#bad-tag #also/bad #ünï #', []],
    [`#${'x'.repeat(32)} #${'y'.repeat(33)}`, ['x'.repeat(32)]],
    [Array.from({ length: 25 }, (_, i) => `#t${i}`).join(' '), Array.from({ length: 20 }, (_, i) => `t${i}`)],
    ['mid#word and ##double', []],
    ['"#quoted" #end\'s', []],
    ['no tags here', []],
  ];
  for (const [text, tags] of cases)
    it(`${JSON.stringify(text)} → ${JSON.stringify(tags)}`, () => expect(hashtags(text)).to.deep.equal(tags));

  it('parses a tag argument with or without #, refusing anything else', () => {
    expect(parseTag('#Tapes')).to.equal('tapes');
    expect(parseTag('tapes_2')).to.equal('tapes_2');
    expect(parseTag('two words')).to.equal(undefined);
    expect(parseTag('#')).to.equal(undefined);
    expect(parseTag("x';--")).to.equal(undefined);
  });
});

describe('quote-db: validation', () => {
  it('cleans text: control characters removed, line breaks and tabs become spaces, trimmed', () => {
    expect(clean('  a\tb\nc\r\nd\u0000e\u0007f\u200bg  ')).to.equal('a b c defg');
    expect(quoteText('\u0000\u0001 ')).to.deep.equal({ ok: false, reason: 'The quote is empty.' });
  });

  it('takes 1–1000 characters of text (counted as characters, not bytes)', () => {
    expect(quoteText('x')).to.deep.equal({ ok: true, value: 'x' });
    expect(quoteText('😀'.repeat(1000))).to.deep.include({ ok: true });
    const long = quoteText('x'.repeat(1001));
    expect(long.ok).to.equal(false);
    expect(!long.ok && long.reason).to.equal('That quote is 1001 characters; the limit is 1000.');
  });

  it('stores SQL-looking text verbatim', () => {
    const text = "Robert'); DROP TABLE quote_db__quotes;-- %_\\";
    expect(quoteText(text)).to.deep.equal({ ok: true, value: text });
  });

  it('authors: Unknown when absent, ≤ 100 characters of letters in any script and name punctuation', () => {
    expect(author(undefined)).to.deep.equal({ ok: true, value: 'Unknown' });
    expect(author(" Zoë O'Brien-Smith ")).to.deep.equal({ ok: true, value: "Zoë O'Brien-Smith" });
    expect(author('李小龙')).to.deep.equal({ ok: true, value: '李小龙' });
    expect(author('')).to.deep.include({ ok: false });
    expect(author('a'.repeat(101))).to.deep.include({ ok: false });
    expect(author('<script>')).to.deep.include({ ok: false });
    expect(author("x'; DROP TABLE")).to.deep.include({ ok: false });
  });

  it('ids: positive integers within 32 bits, with or without #', () => {
    expect(quoteId('42')).to.deep.equal({ ok: true, value: 42 });
    expect(quoteId('#7')).to.deep.equal({ ok: true, value: 7 });
    for (const bad of [undefined, '0', '-1', '1.5', '1e3', 'abc', '2147483648', '99999999999', '0x10', ' 1'])
      expect(quoteId(bad), String(bad)).to.deep.include({ ok: false });
  });

  it('search terms: 1–100 characters; top: 1–10, default 3', () => {
    expect(searchTerm('  ')).to.deep.include({ ok: false });
    expect(searchTerm('x'.repeat(101))).to.deep.include({ ok: false });
    expect(searchTerm('50%_off')).to.deep.equal({ ok: true, value: '50%_off' });
    expect(topCount(undefined)).to.deep.equal({ ok: true, value: 3 });
    expect(topCount('10')).to.deep.equal({ ok: true, value: 10 });
    for (const bad of ['0', '11', '-1', 'all', '1.0'])
      expect(topCount(bad), bad).to.deep.include({ ok: false });
  });
});

describe('quote-db: command parsing', () => {
  it('reads every sub-command', () => {
    expect(request('')).to.deep.equal({ kind: 'random' });
    expect(request('random')).to.deep.equal({ kind: 'random' });
    expect(request('42')).to.deep.equal({ kind: 'get', id: 42 });
    expect(request('#42')).to.deep.equal({ kind: 'get', id: 42 });
    expect(request('get 42')).to.deep.equal({ kind: 'get', id: 42 });
    expect(request('add Keep #circulating the #tapes -- MST3K')).to.deep.equal({
      kind: 'add',
      text: 'Keep #circulating the #tapes',
      author: 'MST3K',
      tags: ['circulating', 'tapes'],
    });
    expect(request('add i -- like -- dashes -- Ann')).to.deep.include({
      text: 'i -- like -- dashes',
      author: 'Ann',
    });
    expect(request('search tapes')).to.deep.equal({ kind: 'search', term: 'tapes' });
    expect(request('search #Tapes')).to.deep.equal({ kind: 'search', term: '#Tapes', tag: 'tapes' });
    expect(request('delete 3')).to.deep.equal({ kind: 'delete', id: 3 });
    expect(request('count')).to.deep.equal({ kind: 'count' });
    expect(request('stats')).to.deep.equal({ kind: 'count' });
    expect(request('upvote 3')).to.deep.equal({ kind: 'vote', id: 3, by: 1 });
    expect(request('DOWNVOTE 3')).to.deep.equal({ kind: 'vote', id: 3, by: -1 });
    expect(request('top')).to.deep.equal({ kind: 'top', n: 3 });
    expect(request('top 5')).to.deep.equal({ kind: 'top', n: 5 });
    expect(request('tag 3 #Fun')).to.deep.equal({ kind: 'tag', id: 3, tag: 'fun', remove: false });
    expect(request('untag 3 fun')).to.deep.equal({ kind: 'tag', id: 3, tag: 'fun', remove: true });
    expect(request('feature')).to.deep.equal({ kind: 'feature' });
    expect(request('feature search off')).to.deep.equal({ kind: 'feature', name: 'search', on: false });
  });

  it('answers missing, extra, malformed and hostile arguments with a reason or the usage', () => {
    const table: [string, RegExp][] = [
      ['get', /^Usage: !quote \[ID\]/],
      ['get 1 2', /^Usage: !quote \[ID\]/],
      ['get abc', /^A quote id is a number, like 42\. Usage/],
      ['get -5', /^A quote id is a number/],
      ['get 0', /^A quote id is a number from 1/],
      ['random now', /^Usage: !quote \[ID\]/],
      ['add', /^The quote is empty\. Usage: !quote add TEXT/],
      ['add -- Bob', /^The quote is empty/],
      ['add text --', /^Write the author after "--"/],
      ['add text -- <b>', /^An author is letters/],
      [`add ${'x'.repeat(1001)}`, /^That quote is 1001 characters; the limit is 1000\./],
      ['search', /^Search for what\?/],
      ['search #no-such', /^A tag is 1–32 letters/],
      ['delete', /^Usage: !quote delete ID$/],
      ['delete 1 2', /^Usage: !quote delete ID$/],
      ["delete 1'; DROP TABLE x", /^Usage: !quote delete ID$/],
      ['count please', /^Usage: !quote count$/],
      ['upvote', /^Usage: !quote upvote ID/],
      ['upvote 1e9', /^A quote id is a number/],
      ['top 0', /^!quote top takes a number from 1 to 10/],
      ['top 1 2', /^Usage: !quote top/],
      ['tag 1', /^Usage: !quote tag ID TAG/],
      ['tag 1 two words', /^Usage: !quote tag ID TAG/],
      ['tag x fun', /^A quote id is a number/],
      ['tag 1 ###', /^A tag is 1–32 letters/],
      ['feature constructor on', /^Usage: !quote feature/],
      ['feature add maybe', /^Usage: !quote feature/],
      ['__proto__', /^Quotes: /],
      ['frobnicate 1', /^Quotes: /],
      ['42 43', /^Quotes: /],
    ];
    for (const [line, expected] of table) expect(reply(line), line).to.match(expected);
    expect(reply('help')).to.equal(HELP);
  });

  it('splits the author at the last " -- "', () => {
    expect(splitAuthor('a -- b')).to.deep.equal({ text: 'a', author: 'b' });
    expect(splitAuthor('a--b')).to.deep.equal({ text: 'a--b' });
    expect(splitAuthor('a --')).to.deep.equal({ text: 'a', author: '' });
    expect(splitAuthor('-- Bob')).to.deep.equal({ text: '', author: 'Bob' });
    expect(splitAuthor('--')).to.deep.equal({ text: '', author: '' });
  });
});

describe('quote-db: chat formatting', () => {
  it('formats a quote as #42: "text" — author (score 5), leaving out an Unknown author', () => {
    expect(formatQuote(quote())).to.equal('#42: "Keep circulating the tapes" — MST3K (score 5)');
    expect(formatQuote(quote({ author: 'Unknown', score: -3 }))).to.equal(
      '#42: "Keep circulating the tapes" (score -3)',
    );
  });

  it('keeps every line within the message length in UTF-16 units, cutting with … between characters', () => {
    const authors = ['MST3K', 'a'.repeat(100), '😀'.repeat(100)];
    for (const max of [120, 150, 200, 320]) {
      for (const author of authors) {
        const long = quote({ id: 2147483647, text: '😀'.repeat(1000), author, score: -100 });
        const line = formatQuote(long, max);
        expect(line.length, `max ${max}, ${author.slice(0, 5)}`).to.be.at.most(max);
        expect(line).to.match(/^#2147483647: "😀+…" — .+ \(score -100\)$/u);
        expect(line, 'no lone surrogate').to.not.match(LONE_SURROGATE);
        const found = formatSearch('x'.repeat(100), 1234, [1, 2, 3, 4, 5], long, max);
        expect(found.length, `search, max ${max}, ${author.slice(0, 5)}`).to.be.at.most(max);
        expect(found).to.match(
          /^Found 1234 quotes for "x+…": #1(, #2, #3)?(, #4, #5)? and 12\d\d more — #2147483647: "/,
        );
      }
      const top = formatTop(
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((id) => quote({ id, text: 'z'.repeat(1000) })),
        max,
      );
      expect(top.length, `top, max ${max}`).to.be.at.most(max);
      const tags = formatTags(
        quote({ tags: Array.from({ length: 20 }, (_, i) => `${i}`.padStart(32, 't')) }),
        max,
      );
      expect(tags.length, `tags, max ${max}`).to.be.at.most(max);
    }
    expect(formatSearch('x'.repeat(100), 1234, [1, 2, 3, 4, 5], quote(), 320)).to.match(
      /^Found 1234 quotes for "x{39}…": #1, #2, #3, #4, #5 and 1229 more — #42: "Keep circulating the tapes" — MST3K/,
    );
    expect(truncate('abc', 3)).to.equal('abc');
    expect(truncate('abcd', 3)).to.equal('ab…');
    expect(truncate('a😀b', 3), 'the emoji does not fit in 2 units beside a and …').to.equal('a…');
  });
});

describe('quote-db: circuit breaker', () => {
  it('opens after 3 failures in a row, lets one trial through after the open time, closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker(3, 15_000, () => now);
    breaker.failed();
    breaker.failed();
    expect(breaker.state).to.equal('closed');
    breaker.succeeded(); // a success in between resets the run
    breaker.failed();
    breaker.failed();
    expect(breaker.allow()).to.equal(true);
    breaker.failed();
    expect(breaker.state).to.equal('open');
    expect(breaker.allow()).to.equal(false);
    now = 14_999;
    expect(breaker.allow()).to.equal(false);
    now = 15_000;
    expect(breaker.state).to.equal('half-open');
    expect(breaker.allow()).to.equal(true);
    expect(breaker.allow(), 'one trial at a time').to.equal(false);
    breaker.failed();
    expect(breaker.state, 'a failed trial re-opens').to.equal('open');
    now = 30_000;
    expect(breaker.allow()).to.equal(true);
    breaker.succeeded();
    expect(breaker.state).to.equal('closed');
    expect(breaker.allow()).to.equal(true);
  });
});

describe('quote-db: retries', () => {
  const fast = { attempts: 3, firstDelayMs: 1, attemptTimeoutMs: 200 };

  it('retries reads after timeouts, writes only when storage certainly did not run them', () => {
    const e = (code: ErrorCode) => new StorageError(code, code);
    expect(retryable(e('TIMEOUT'), 'read')).to.equal(true);
    expect(retryable(e('TIMEOUT'), 'write')).to.equal(false);
    expect(retryable(e('DATABASE_ERROR'), 'read')).to.equal(true);
    expect(retryable(e('DATABASE_ERROR'), 'write')).to.equal(false);
    for (const code of ['NO_RESPONDERS', 'BUS_UNAVAILABLE'] as const) {
      expect(retryable(e(code), 'read'), code).to.equal(true);
      expect(retryable(e(code), 'write'), code).to.equal(true);
    }
    // Pending requests are answered SHUTTING_DOWN when storage stops: they may have committed.
    expect(retryable(e('SHUTTING_DOWN'), 'read')).to.equal(true);
    expect(retryable(e('SHUTTING_DOWN'), 'write')).to.equal(false);
    for (const code of ['VALIDATION_ERROR', 'NOT_FOUND', 'CONFLICT', 'STORAGE_FULL'] as const) {
      expect(retryable(e(code), 'read'), code).to.equal(false);
      expect(retryable(e(code), 'write'), code).to.equal(false);
    }
    expect(retryable(new Error('x'), 'read')).to.equal(false);
  });

  it('gives back a reserved vote or add only when the write certainly did not run', () => {
    for (const code of [
      'NO_RESPONDERS',
      'BUS_UNAVAILABLE',
      'CIRCUIT_OPEN',
      'VALIDATION_ERROR',
      'CONFLICT',
      // Issue 15 defect 8: a full database rolls the whole request back.
      'STORAGE_FULL',
    ])
      expect(certainlyNotRun(code), code).to.equal(true);
    for (const code of ['TIMEOUT', 'DATABASE_ERROR', 'SHUTTING_DOWN', 'INTERNAL', 'SOMETHING_NEW'])
      expect(certainlyNotRun(code), code).to.equal(false);
  });

  it('gives up after the last attempt with the last error, and stops at the first final one', async () => {
    let calls = 0;
    const retried: number[] = [];
    const failing = () => {
      calls++;
      return Promise.reject(new StorageError('NO_RESPONDERS', 'nobody'));
    };
    const error = await withRetry(failing, 'write', fast, (_, n) => retried.push(n)).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(StorageError).with.property('code', 'NO_RESPONDERS');
    expect(calls).to.equal(3);
    expect(retried).to.deep.equal([1, 2]);

    calls = 0;
    const final = () => {
      calls++;
      return Promise.reject(new StorageError('VALIDATION_ERROR', 'bad'));
    };
    await withRetry(final, 'read', fast).catch(() => undefined);
    expect(calls).to.equal(1);
  });

  it('turns an attempt that never answers into TIMEOUT, and a later success into the result', async () => {
    let calls = 0;
    const flaky = () => (++calls === 1 ? new Promise<number>(() => {}) : Promise.resolve(7));
    expect(await withRetry(flaky, 'read', { ...fast, attemptTimeoutMs: 20 })).to.equal(7);
    expect(calls).to.equal(2);
    const hung = await withRetry(() => new Promise(() => {}), 'write', {
      ...fast,
      attemptTimeoutMs: 20,
    }).catch((e: unknown) => e);
    expect(hung).to.be.instanceOf(StorageError).with.property('code', 'TIMEOUT');
  });
});

describe('quote-db: configuration', () => {
  it('defaults to 10 adds an hour for users, 50 for moderators, none for admins', () => {
    expect(parseConfig({})).to.deep.equal(DEFAULTS);
    expect(addLimit(DEFAULTS.rateLimits, 0)).to.equal(10);
    expect(addLimit(DEFAULTS.rateLimits, 1)).to.equal(10);
    expect(addLimit(DEFAULTS.rateLimits, 2)).to.equal(50);
    expect(addLimit(DEFAULTS.rateLimits, 3)).to.equal(null);
    expect(addLimit(DEFAULTS.rateLimits, 5)).to.equal(null);
  });

  it('takes other limits (null for none) and refuses bad values, naming the key', () => {
    expect(parseConfig({ rateLimits: { user: 3, admin: 100 } }).rateLimits).to.deep.equal({
      user: 3,
      moderator: 50,
      admin: 100,
    });
    expect(parseConfig({ rateLimits: { moderator: null } }).rateLimits.moderator).to.equal(null);
    const bad: [Record<string, unknown>, string][] = [
      [{ rateLimit: {} }, "unknown config key 'rateLimit'"],
      [{ rateLimits: { users: 1 } }, "unknown config key 'rateLimits.users'"],
      [{ rateLimits: { user: -1 } }, 'rateLimits.user must be a whole number from 0 to 100000, not -1'],
      [{ rateLimits: { user: 'ten' } }, 'rateLimits.user must be a whole number'],
      [{ rateLimits: [] }, 'rateLimits must be a mapping'],
      [{ writeRank: 1.5 }, 'writeRank must be a whole number from 0 to 10'],
      [{ maxReplyLength: 50 }, 'maxReplyLength must be a whole number from 120'],
    ];
    for (const [config, message] of bad) expect(() => parseConfig(config), message).to.throw(message);
  });
});
