import { expect } from 'chai';
import { createActor, setup } from 'xstate';
import { DEFAULT_LIMITS, REDACTED, Redactor } from '../../actors/inspect/summary.js';

describe('inspect: what a context or an event shows', () => {
  it('redacts values under keys that name secrets, at any depth', () => {
    const summary = new Redactor().summarise({
      nats: { url: 'nats://127.0.0.1:4222', user: 'rosey', pass: 'p4ss-w0rd', token: 't0k3n-value' },
      cytube: { password: 'hunter22', channelPassword: 'chan-pass', username: 'bot' },
      http: { Authorization: 'Bearer abc', apiKey: 'k-123' },
    });
    expect(summary).to.deep.equal({
      nats: { url: 'nats://127.0.0.1:4222', user: 'rosey', pass: REDACTED, token: REDACTED },
      cytube: { password: REDACTED, channelPassword: REDACTED, username: 'bot' },
      http: { Authorization: REDACTED, apiKey: REDACTED },
    });
  });

  it('redacts known secret values wherever they turn up, and the password of a URL', () => {
    const r = new Redactor(['s3cr3t-value', 'abc', undefined]);
    expect(
      r.summarise({
        reason: 'login refused for s3cr3t-value',
        list: ['x s3cr3t-value y'],
        url: 'nats://rosey:pa55@127.0.0.1:4222',
        short: 'abc',
      }),
    ).to.deep.equal({
      reason: `login refused for ${REDACTED}`,
      list: [`x ${REDACTED} y`],
      url: `nats://rosey:${REDACTED}@127.0.0.1:4222`,
      // Secrets shorter than 4 characters are not looked for (they would redact half of every text).
      short: 'abc',
    });
  });

  it('shows no functions, no class instances’ insides, actor refs by id', () => {
    class Connection {
      password = 'inside-a-class';
    }
    const actor = createActor(setup({}).createMachine({}), { id: 'child' });
    const summary = new Redactor().summarise({
      fn: () => 1,
      conn: new Connection(),
      ref: actor,
      error: new Error('boom'),
      when: new Date(0),
      map: new Map([[1, 2]]),
      big: 10n,
      nan: NaN,
    });
    expect(summary).to.deep.equal({
      fn: '[function]',
      conn: '[Connection]',
      ref: '[actor child]',
      error: 'Error: boom',
      when: '1970-01-01T00:00:00.000Z',
      map: '[Map: 1]',
      big: '10n',
      nan: 'NaN',
    });
    expect(JSON.stringify(summary)).not.to.include('inside-a-class');
  });

  it('is bounded: depth, keys, items, string length and total size', () => {
    const r = new Redactor([], { depth: 2, keys: 2, items: 2, stringChars: 5, totalChars: 200 });
    expect(r.summarise({ a: { b: { c: 1 } }, s: 'abcdefgh', x: 1 })).to.deep.equal({
      a: { b: '[object]' },
      s: 'abcde… (8 characters)',
      '…': '1 more keys',
    });
    expect(r.summarise([1, 2, 3, 4])).to.deep.equal([1, 2, '… 2 more']);
    const wide = new Redactor([], { depth: 4, keys: 100, items: 100, stringChars: 100, totalChars: 200 });
    const huge = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(50)]));
    expect(wide.summarise(huge)).to.equal('[more than 200 characters, not shown]');
  });

  // The walk counts the summary's JSON length as it goes instead of turning the summary into JSON
  // to measure it: the limit must fall exactly where JSON.stringify's length says.
  it('is cut exactly at totalChars characters of JSON', () => {
    const values: unknown[] = [
      { quote: 'say "hi"\\ now', control: 'a\u0001b\nc\td', emoji: 'ok 👍 🎲', lone: 'x\ud800y' },
      { gone: undefined, kept: 1, list: [undefined, null, 2.5, -0, 1e21, NaN, Infinity, true, false] },
      { deep: { a: { b: { c: { d: 1 } } } }, many: Array.from({ length: 15 }, (_, i) => i) },
      { big: 12n, when: new Date(0), map: new Map(), fn: () => 1, nested: [{ x: 'y' }, []] },
      Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key "${i}"`, i % 2 ? `v${i}` : { i }])),
      ['a', { b: 'c' }, [[]], 'é'],
      'just a string',
      {},
      [],
    ];
    for (const [i, value] of values.entries()) {
      const whole = new Redactor([], { ...DEFAULT_LIMITS, totalChars: 1_000_000 }).summarise(value);
      const length = JSON.stringify(whole).length;
      const at = (totalChars: number) => new Redactor([], { ...DEFAULT_LIMITS, totalChars }).summarise(value);
      expect(at(length), `value ${i}`).to.deep.equal(whole);
      expect(at(length - 1)).to.equal(`[more than ${length - 1} characters, not shown]`);
    }
  });

  it('gives a context as the JSON of its summary', () => {
    const r = new Redactor(['s3cr3t-value'], { ...DEFAULT_LIMITS, keys: 3, totalChars: 300 });
    const contexts: unknown[] = [
      { a: 1, token: 'x', b: { url: 'nats://u:pw@h', why: 'no s3cr3t-value' } },
      { a: undefined, b: [1, undefined], c: 'c', d: 'over the key limit', e: 5 },
      { long: 'x'.repeat(150), longer: 'y'.repeat(150) },
      'not an object',
      [1, 2],
    ];
    for (const context of contexts)
      expect(JSON.parse(r.summariseContext(context))).to.deep.equal(r.summarise(context));
    const shallow = new Redactor([], { ...DEFAULT_LIMITS, depth: 0 });
    expect(JSON.parse(shallow.summariseContext({ a: 1 }))).to.equal('[object]');
  });

  it('walks a context field again only when it is another object', () => {
    let reads = 0;
    const counted = () => ({
      get plugins() {
        reads += 1;
        return ['dice'];
      },
    });
    const registry = counted();
    const r = new Redactor();
    const first = r.summariseContext({ registry, n: 1 });
    expect(reads).to.equal(1);
    // What an `assign` of `n` gives: a new context, the same registry.
    expect(r.summariseContext({ registry, n: 2 })).to.equal(first.replace('"n":1', '"n":2'));
    expect(reads).to.equal(1);
    r.summariseContext({ registry: counted(), n: 3 });
    expect(reads).to.equal(2);
  });
});
