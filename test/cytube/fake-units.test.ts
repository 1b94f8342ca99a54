/** Table tests for the fake CyTube's pure parts: chat formatting and the flood limiter. */
import { expect } from 'chai';
import {
  cleanText,
  escapeHtml,
  filterClientMeta,
  formatMessage,
  isValidChannelName,
  isValidUserName,
  linkify,
} from '../support/fake-cytube/chat-format.js';
import {
  cooldownMs,
  DEFAULT_CHAT_FLOOD,
  floodStep,
  initialFloodState,
  type FloodParams,
} from '../support/fake-cytube/flood-limiter.js';
import { shapeError } from '../support/fake-cytube/validate.js';

const chat = { maxLength: 320, allowAsciiControl: false, interpretActions: true };
const pm = { ...chat, interpretActions: false };
const A = (url: string) => `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`;

describe('fake CyTube chat-format', () => {
  const cases: Array<[string, string, typeof chat, { msg: string; meta: Record<string, unknown> } | null]> = [
    ['plain', 'hello', chat, { msg: 'hello', meta: {} }],
    [
      'html escaped, quotes kept (03)',
      `hi <b>all</b> & 'a' "b"`,
      chat,
      { msg: `hi &lt;b&gt;all&lt;/b&gt; &amp; 'a' "b"`, meta: {} },
    ],
    [
      'http(s) linked with &amp;, www not (03)',
      'see https://example.com/a?b=1&c=2 and http://example.org/x_(y) and www.example.net',
      chat,
      {
        msg: `see ${A('https://example.com/a?b=1&amp;c=2')} and ${A('http://example.org/x_(y)')} and www.example.net`,
        meta: {},
      },
    ],
    ['/me in chat', '/me waves', chat, { msg: 'waves', meta: { addClass: 'action', action: true } }],
    ['/me in a pm is text (04)', '/me in a pm', pm, { msg: '/me in a pm', meta: {} }],
    ['/sp', '/sp spoiler text', chat, { msg: 'spoiler text', meta: { addClass: 'spoiler' } }],
    ['greentext', '>greentext line', chat, { msg: '&gt;greentext line', meta: { addClass: 'greentext' } }],
    [
      'greentext in a pm (04)',
      '>greentext pm',
      pm,
      { msg: '&gt;greentext pm', meta: { addClass: 'greentext' } },
    ],
    [
      'control chars → spaces',
      'ctrl\u0001chars\u0007here\ttab',
      chat,
      { msg: 'ctrl chars here tab', meta: {} },
    ],
    ['cut at max length', 'x'.repeat(400), chat, { msg: 'x'.repeat(320), meta: {} }],
    ['blank', '   ', chat, null],
    ['empty', '', chat, null],
    ['unknown command verbatim', '/notacommand some args', chat, { msg: '/notacommand some args', meta: {} }],
    ['unicode untouched', 'héllo 🌮 — ok', chat, { msg: 'héllo 🌮 — ok', meta: {} }],
  ];
  for (const [name, input, opts, want] of cases) {
    it(`formats: ${name}`, () => {
      expect(formatMessage(input, opts)).to.deep.equal(want);
    });
  }

  it('cuts by characters, not UTF-16 units, and before escaping', () => {
    expect(cleanText('🌮🌮🌮', 2, false)).to.equal('🌮🌮');
    expect(formatMessage('<'.repeat(5), { ...chat, maxLength: 3 })?.msg).to.equal('&lt;&lt;&lt;');
  });

  it('keeps control characters when the channel allows them', () => {
    expect(cleanText('a\tb', 10, true)).to.equal('a\tb');
  });

  it('escapes and links independently', () => {
    expect(escapeHtml('<a&b>')).to.equal('&lt;a&amp;b&gt;');
    expect(linkify('x http://a.b/c y')).to.equal(`x ${A('http://a.b/c')} y`);
  });

  const metas: Array<[unknown, number, Record<string, unknown>]> = [
    [{ modflair: 1, addClass: 'x', foo: 'bar' }, 1, {}],
    [{ modflair: 5 }, 5, { modflair: 5 }],
    [{ modflair: 5 }, 2, {}],
    [{ addClass: 'shout' }, 5, {}],
    ['nonsense', 5, {}],
  ];
  for (const [meta, rank, want] of metas) {
    it(`filters client meta ${JSON.stringify(meta)} at rank ${rank}`, () => {
      expect(filterClientMeta(meta, rank)).to.deep.equal(want);
    });
  }

  const names: Array<[string, boolean, boolean]> = [
    ['testbot', true, true],
    ['bad name!', false, false],
    ['x'.repeat(20), true, true],
    ['x'.repeat(25), false, true],
    ['x'.repeat(31), false, false],
    ['a-b_C9', true, true],
    ['', false, false],
  ];
  for (const [name, user, channel] of names) {
    it(`validates the name ${JSON.stringify(name)}`, () => {
      expect(isValidUserName(name)).to.equal(user);
      expect(isValidChannelName(name)).to.equal(channel);
    });
  }

  it('words payload errors like the real server (03)', () => {
    expect(shapeError('chatMsg', { msg: 42 }, { msg: { type: 'string' } })).to.equal(
      'Unexpected error for message chatMsg: Expected key msg to be of type string, instead got number',
    );
    expect(shapeError('chatMsg', 'just a string', { msg: { type: 'string' } })).to.equal(
      'Unexpected error for message chatMsg: Expected type object, got string',
    );
    expect(shapeError('chatMsg', { msg: 'ok' }, { msg: { type: 'string' } })).to.equal(undefined);
  });
});

describe('fake CyTube flood-limiter', () => {
  /** Feeds attempts at the given times (ms) and returns how many passed. */
  function delivered(p: FloodParams, times: number[]): number {
    let state = initialFloodState();
    let n = 0;
    for (const t of times) {
      const r = floodStep(p, state, t);
      state = r.state;
      if (r.allowed) n++;
    }
    return n;
  }
  const backToBack = (count: number, start = 0) => Array.from({ length: count }, (_, i) => start + i * 0.05);
  const antiflood: FloodParams = { burst: 4, sustained: 1, cooldown: 4 };

  const cases: Array<[string, FloodParams, number[], number]> = [
    ['default: 40 back to back → 20 (06)', DEFAULT_CHAT_FLOOD, backToBack(40), 20],
    ['antiflood: 10 back to back → 4 (07)', antiflood, backToBack(10), 4],
    ['antiflood: one more after 5.5 s passes (07)', antiflood, [...backToBack(10), 5500], 5],
    [
      'default: one per 100 ms forever passes',
      DEFAULT_CHAT_FLOOD,
      Array.from({ length: 100 }, (_, i) => i * 100),
      100,
    ],
    [
      'default: 2 s quiet refills the whole burst',
      DEFAULT_CHAT_FLOOD,
      [...backToBack(25), ...backToBack(25, 2100)],
      40,
    ],
    [
      // "then 10 msg/s" after the last line that passed, not a bucket refilled meanwhile (issue 21).
      'default: half a second after the burst gives one more, then one per 100 ms',
      DEFAULT_CHAT_FLOOD,
      [...backToBack(20), ...backToBack(10, 500), 599, 600],
      22,
    ],
    [
      // A token bucket would have refilled ~19 tokens over these 1.9 s and let the 21st pass.
      'default: a burst spread over 1.9 s is still a burst: the 21st needs 100 ms after the 20th',
      DEFAULT_CHAT_FLOOD,
      [...Array.from({ length: 20 }, (_, i) => i * 100), 1950, 2000],
      21,
    ],
    [
      'dropped attempts keep the quiet timer from expiring',
      { burst: 4, sustained: 0.1, cooldown: 4 },
      [0, 0, 0, 0, 3000, 6000, 9000, 13500],
      5,
    ],
  ];
  for (const [name, p, times, want] of cases) {
    it(name, () => {
      expect(delivered(p, times)).to.equal(want);
    });
  }

  it('reports 1000/sustained as the cooldown value (06: 100, 07: 1000)', () => {
    expect(cooldownMs(DEFAULT_CHAT_FLOOD)).to.equal(100);
    expect(cooldownMs(antiflood)).to.equal(1000);
  });
});
