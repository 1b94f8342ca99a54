import { expect } from 'chai';
import { createActor, setup } from 'xstate';
import { REDACTED, Redactor } from '../../actors/inspect/summary.js';

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
});
