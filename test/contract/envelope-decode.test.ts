import { expect } from 'chai';
import { decodeJson } from '../../contract/envelope.js';
import { MAX_JSON_DEPTH } from '../../contract/json-text.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const decode = (text: string) => decodeJson(bytes(text));
const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}1${close.repeat(depth)}`;

/**
 * decodeJson is where every message on the bus is parsed (the bus bridge, request replies, the
 * SDK), so it is where hostile text has to stop (issue 15, defects 1, 4, 5).
 */
describe('envelope: decoding a payload', () => {
  it('parses JSON, and an empty payload as {}', () => {
    expect(decode('{"key":"a","value":[1,{"b":null}]}')).to.deep.equal({
      ok: true,
      data: { key: 'a', value: [1, { b: null }] },
    });
    expect(decodeJson(new Uint8Array())).to.deep.equal({ ok: true, data: {} });
    expect(decode('{"key":')).to.have.nested.property('error.code', 'INVALID_JSON');
  });

  // Defect 1: a 20,000-deep value parsed fine and then overflowed the stack of postMessage on its
  // way to the database thread, crashing storage.
  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels before parsing, however deep`, () => {
    expect(decode(nested(MAX_JSON_DEPTH)).ok).to.equal(true);
    for (const depth of [MAX_JSON_DEPTH + 1, 20_000, 1_000_000]) {
      expect(decode(nested(depth)), String(depth)).to.deep.equal({
        ok: false,
        error: { code: 'VALIDATION_ERROR', message: `payload: nested deeper than ${MAX_JSON_DEPTH} levels` },
      });
    }
    expect(decode(`{"a":${nested(MAX_JSON_DEPTH, '{"b":', '}')}}`).ok).to.equal(false);
    expect(decode(`{"$and":[${nested(5000, '{"$and":[', ']}')}]}`)).to.have.nested.property(
      'error.code',
      'VALIDATION_ERROR',
    );
  });

  it('counts only brackets outside strings, escaped quotes and backslashes included', () => {
    const text = JSON.stringify({ a: '['.repeat(500), b: '\\"[{', c: ['x\\', '{'] });
    expect(decode(text)).to.deep.equal({ ok: true, data: JSON.parse(text) as unknown });
  });

  // Defect 4: JSON.parse reads 1e400 as Infinity, which JSON.stringify then stores as null.
  it('refuses numbers a double cannot hold, wherever they are', () => {
    for (const text of ['1e400', '-1e400', '{"v":[1,2,1E999]}', `{"v":1${'0'.repeat(400)}}`]) {
      const result = decode(text);
      expect(result, text).to.have.nested.property('error.code', 'VALIDATION_ERROR');
      expect(result, text)
        .to.have.nested.property('error.message')
        .that.match(/out of range/);
    }
    // Long integers lose precision as any JSON number does; they are not refused.
    expect(decode('[1e308,-1.5e-400,12345678901234567890,"1e400"]')).to.deep.equal({
      ok: true,
      data: [1e308, -0, 12345678901234567000, '1e400'],
    });
  });

  // Defect 5: a lone surrogate is not Unicode; raw invalid bytes used to become U+FFFD, so
  // different byte strings decoded to one key.
  it('refuses a lone surrogate escape, but not a pair or an escaped backslash', () => {
    for (const text of [
      '"s\\ud800"',
      '{"k\\uDBFF":1}',
      '"x\\udc00"',
      '"\\ud800\\u0041"',
      '"\\ud800\\ud800"',
    ]) {
      expect(decode(text), text).to.deep.equal({
        ok: false,
        error: {
          code: 'VALIDATION_ERROR',
          message: `payload: a string holds a lone surrogate (${text.match(/\\u[dD][89abAB]\w\w|\\u[dD][c-fC-F]\w\w/)![0]}), which is not Unicode`,
        },
      });
    }
    expect(decode('["\\ud83c\\udfb2","\\\\ud800","\\u00e9"]')).to.deep.equal({
      ok: true,
      data: ['🎲', '\\ud800', 'é'],
    });
  });

  it('refuses bytes that are not UTF-8 instead of turning them into U+FFFD', () => {
    for (const raw of [
      [0x22, 0x73, 0xff, 0x22], // a byte UTF-8 never uses
      [0x22, 0xed, 0xa0, 0x80, 0x22], // a surrogate encoded as UTF-8
      [0x22, 0xc3, 0x22], // a truncated sequence
    ]) {
      expect(decodeJson(new Uint8Array(raw)), String(raw)).to.deep.equal({
        ok: false,
        error: { code: 'INVALID_JSON', message: 'payload is not valid UTF-8' },
      });
    }
    expect(decode('"ключ🎲"')).to.deep.equal({ ok: true, data: 'ключ🎲' });
  });
});
