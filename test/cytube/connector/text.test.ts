import { expect } from 'chai';
import { decodeEntities, htmlToText } from '../../../actors/cytube/html-text.js';
import { wellFormed } from '../../../contract/json-text.js';
import { decodeJson, encodeJson } from '../../../contract/envelope.js';
import { splitMessage } from '../../../actors/cytube/split-message.js';

describe('cytube: chat HTML to text', () => {
  const cases: Array<[string, string]> = [
    // As recorded in 03-chat-formatting: escaped user markup, linked URLs.
    ['&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;', '<b>bold</b> & <script>x</script>'],
    [
      'see <a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">https://example.com/a?b=1&amp;c=2</a> now',
      'see https://example.com/a?b=1&c=2 now',
    ],
    ['&gt;greentext', '>greentext'],
    ['!roll 2d6', '!roll 2d6'],
    ['  padded  ', 'padded'],
    ['&#39;quoted&#39; &quot;double&quot;', '\'quoted\' "double"'],
    ['&#x1F600; smile', '😀 smile'],
    ['&unknown; stays', '&unknown; stays'],
    ['&#xD800; lone surrogate stays', '&#xD800; lone surrogate stays'],
    ['&#99999999; out of range stays', '&#99999999; out of range stays'],
    ['&amp;lt; decoded once', '&lt; decoded once'],
  ];
  for (const [html, text] of cases) {
    it(`${JSON.stringify(html).slice(0, 50)} → ${JSON.stringify(text).slice(0, 40)}`, () => {
      expect(htmlToText(html)).to.equal(text);
    });
  }
  // CyTube truncates lines at 240 UTF-16 units, which can leave half an emoji; the bus refuses a lone
  // surrogate since issue 15, so the connector must not publish one or the line would be dropped.
  it('replaces a lone surrogate (half an emoji) so the line still crosses the bus', () => {
    const text = htmlToText('!roll 2d6 \ud83d');
    expect(text).to.equal('!roll 2d6 \ufffd');
    expect(decodeJson(encodeJson({ text }))).to.deep.equal({ ok: true, data: { text } });
    expect(decodeJson(encodeJson({ text: '!roll 2d6 \ud83d' })).ok).to.equal(false);
    expect(wellFormed('pair 😀 kept')).to.equal('pair 😀 kept');
  });

  // The edges of what an entity may name: a valid code point outside the surrogates, either case.
  const edges: Array<[string, string]> = [
    ['&#X41;&#x42;', 'AB'],
    ['&#1;', '\u0001'],
    ['&#0;', '&#0;'],
    ['&#1114111;', '\u{10FFFF}'],
    ['&#1114112;', '&#1114112;'],
    ['&#55295;', '\uD7FF'],
    ['&#xDFFF;', '&#xDFFF;'],
    ['&#xE000;', '\uE000'],
    ['&#x;', '&#x;'],
    ['&AMP;&Lt;', '&<'],
    ['a&nbsp;b', 'a b'],
    ['&apos;', "'"],
    ['&a;', '&a;'],
    ['&abcdefghi;', '&abcdefghi;'],
    ['&#12345678;', '&#12345678;'],
    ['a <b c', 'a <b c'],
  ];
  for (const [html, text] of edges) {
    it(`entity edge ${JSON.stringify(html)}`, () => {
      expect(htmlToText(html)).to.equal(text);
    });
  }

  it('decodes entities without touching tags', () => {
    expect(decodeEntities('<i>&lt;</i>')).to.equal('<i><</i>');
  });
});

describe('cytube: splitting long replies', () => {
  it('keeps a short reply whole', () => {
    expect(splitMessage('hello there', 320, 4)).to.deep.equal({ parts: ['hello there'], truncated: false });
  });

  it('splits at the last space before the limit, never mid-word, and keeps every word', () => {
    const words = Array.from({ length: 120 }, (_, i) => `word${i}`);
    const { parts, truncated } = splitMessage(words.join(' '), 100, 10);
    expect(truncated).to.equal(false);
    for (const p of parts) expect(p.length).to.be.at.most(100);
    expect(parts.join(' ').split(' ')).to.deep.equal(words);
  });

  it('cuts a single word longer than the limit', () => {
    const { parts } = splitMessage('x'.repeat(250), 100, 4);
    expect(parts.map((p) => p.length)).to.deep.equal([100, 100, 50]);
  });

  it('bounds the number of parts and marks the cut with an ellipsis within the limit', () => {
    const { parts, truncated } = splitMessage('lorem ipsum '.repeat(200), 50, 3);
    expect(parts).to.have.length(3);
    expect(truncated).to.equal(true);
    expect(parts[2]!.endsWith('…')).to.equal(true);
    for (const p of parts) expect(p.length).to.be.at.most(50);
  });

  it('sends lines as lines, and joins many short lines instead of flooding', () => {
    expect(splitMessage('a\nb\n\nc', 320, 4).parts).to.deep.equal(['a', 'b', 'c']);
    expect(splitMessage('a\nb\nc\nd\ne', 320, 4).parts).to.deep.equal(['a · b · c · d · e']);
  });

  // Exact parts at the edges: a space right after the limit, a first space within the first quarter
  // (a hard cut instead of a tiny part), CRLF, runs of whitespace, exactly maxParts lines, and the
  // ellipsis on a full or a short last part.
  const exact: Array<[string, number, number, string[], boolean]> = [
    ['aaaa bbbbb ccc', 10, 4, ['aaaa bbbbb', 'ccc'], false],
    ['abcde ' + 'x'.repeat(30), 20, 4, ['abcde ' + 'x'.repeat(14), 'x'.repeat(16)], false],
    ['abcdef ' + 'x'.repeat(30), 20, 4, ['abcdef', 'x'.repeat(20), 'x'.repeat(10)], false],
    ['a\r\nb', 320, 4, ['a', 'b'], false],
    ['  a  \t b  ', 320, 4, ['a b'], false],
    ['a\nb\nc\nd', 320, 4, ['a', 'b', 'c', 'd'], false],
    ['x'.repeat(25), 10, 2, ['x'.repeat(10), 'x'.repeat(9) + '…'], true],
    ['x'.repeat(15) + '\ntail', 10, 2, ['x'.repeat(10), 'xxxxx…'], true],
    ['aaaaaaaa b ccccc', 10, 1, ['aaaaaaaa…'], true],
    // A line of exactly the limit is not split; blank and whitespace-only lines do not count as lines.
    ['aaaaa bbbb', 10, 4, ['aaaaa bbbb'], false],
    ['a\n\n\nb', 320, 3, ['a', 'b'], false],
    ['a\n \t \nb', 320, 2, ['a', 'b'], false],
  ];
  for (const [text, max, maxParts, parts, truncated] of exact) {
    it(`${JSON.stringify(text).slice(0, 30)} at ${max} × ${maxParts}`, () => {
      expect(splitMessage(text, max, maxParts)).to.deep.equal({ parts, truncated });
    });
  }

  it('gives nothing for blank text', () => {
    expect(splitMessage(' \n\t ', 320, 4).parts).to.deep.equal([]);
  });
});
