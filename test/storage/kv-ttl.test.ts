import { expect } from 'chai';
import { openDatabase, type Database } from '../../actors/database/open.js';
import type { StorageError } from '../../actors/database/storage-error.js';
import { StorageService } from '../../actors/storage/storage-service.js';
import { LIMITS } from '../../contract/messages/storage-limits.js';
import type { KvOp } from '../../contract/messages/storage.js';
import type { Result } from '../../contract/result.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';

/**
 * Key-value expiry at its edges, on both databases, with storage's clock in the test's hand: the
 * TTL bounds, the millisecond a key expires, what `incr`, `set`, `delete`, `list` and the sweep
 * make of it, and refusals that leave the stored value as it was.
 */
forEachDatabase('storage: key-value TTL edges', (kind) => {
  let db: Database;
  let service: StorageService;
  let now: number;
  let namespaces = 0;
  let ns: string;

  before(async () => {
    db = await openDatabase(await freshDatabase(kind));
    service = new StorageService(db, () => now);
  });
  after(() => db.close());
  beforeEach(() => {
    now = 1_800_000_000_000;
    ns = `kv${++namespaces}`;
  });

  const kv = (op: KvOp, payload: unknown) => service.handle({ tier: 'kv', op, namespace: ns, payload });
  const data = async (op: KvOp, payload: unknown) => {
    const reply = await kv(op, payload);
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    return reply.data;
  };
  async function refused(reply: Promise<Result<unknown>>, code: string, message: RegExp) {
    const r = await reply;
    expect(r).to.have.all.keys('ok', 'error');
    if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.data)}`);
    expect(r.error).to.have.all.keys('code', 'message');
    expect(r.error.code).to.equal(code);
    expect(r.error.message).to.match(message);
  }
  const TTL_RANGE = new RegExp(`^ttl: a whole number of seconds from 1 to ${LIMITS.kvMaxTtlSeconds}$`);

  it(`takes a ttl from 1 to ${LIMITS.kvMaxTtlSeconds} seconds and answers when the key expires`, async () => {
    expect(await data('set', { key: 'a', value: 1, ttl: 1 })).to.deep.equal({
      stored: true,
      expiresAt: now + 1000,
    });
    expect(await data('set', { key: 'b', value: 1, ttl: LIMITS.kvMaxTtlSeconds })).to.deep.equal({
      stored: true,
      expiresAt: now + LIMITS.kvMaxTtlSeconds * 1000,
    });
    expect(await data('get', { key: 'b' })).to.deep.equal({
      exists: true,
      value: 1,
      expiresAt: now + LIMITS.kvMaxTtlSeconds * 1000,
    });
    expect(await data('incr', { key: 'c', ttl: 1 })).to.deep.equal({ value: 1, expiresAt: now + 1000 });
    expect(await data('incr', { key: 'd', ttl: LIMITS.kvMaxTtlSeconds })).to.deep.equal({
      value: 1,
      expiresAt: now + LIMITS.kvMaxTtlSeconds * 1000,
    });
  });

  it('refuses a ttl of 0, below, above the maximum or a fraction, and keeps the stored value', async () => {
    await data('set', { key: 'k', value: 'kept', ttl: 60 });
    await data('set', { key: 'n', value: 5 });
    for (const ttl of [0, -1, LIMITS.kvMaxTtlSeconds + 1, 1.5, 0.5]) {
      await refused(kv('set', { key: 'k', value: 'lost', ttl }), 'VALIDATION_ERROR', TTL_RANGE);
      await refused(kv('incr', { key: 'n', ttl }), 'VALIDATION_ERROR', TTL_RANGE);
      await refused(kv('incr', { key: 'fresh', ttl }), 'VALIDATION_ERROR', TTL_RANGE);
    }
    expect(await data('get', { key: 'k' })).to.deep.equal({
      exists: true,
      value: 'kept',
      expiresAt: now + 60_000,
    });
    expect(await data('get', { key: 'n' })).to.deep.equal({ exists: true, value: 5, expiresAt: null });
    expect(await data('get', { key: 'fresh' })).to.deep.equal({ exists: false });
  });

  it('a key is live until the millisecond before it expires, and gone at that millisecond', async () => {
    const { expiresAt } = (await data('set', { key: 'k', value: 'v', ttl: 10 })) as { expiresAt: number };
    now = expiresAt - 1;
    expect(await data('get', { key: 'k' })).to.deep.include({ exists: true });
    expect(await data('list', {})).to.deep.equal({ keys: ['k'], more: false });
    now = expiresAt;
    expect(await data('get', { key: 'k' })).to.deep.equal({ exists: false });
    expect(await data('list', {})).to.deep.equal({ keys: [], more: false });
    expect(await data('delete', { key: 'k' })).to.deep.equal({ deleted: false });
  });

  it('delete removes a live key with a ttl', async () => {
    await data('set', { key: 'k', value: 'v', ttl: 10 });
    now += 9_999;
    expect(await data('delete', { key: 'k' })).to.deep.equal({ deleted: true });
    expect(await data('get', { key: 'k' })).to.deep.equal({ exists: false });
  });

  it('the sweep deletes a key at the millisecond it expires, not before', async () => {
    // The sweep spans every namespace: first clear what earlier tests left to expire.
    const start = now;
    now = Number.MAX_SAFE_INTEGER;
    await service.kv.sweep();
    now = start;
    const { expiresAt } = (await data('set', { key: 'k', value: 'v', ttl: 5 })) as { expiresAt: number };
    await data('set', { key: 'forever', value: 'v' });
    now = expiresAt - 1;
    expect(await service.kv.sweep()).to.equal(0);
    now = expiresAt;
    expect(await service.kv.sweep()).to.equal(1);
    expect(await data('list', {})).to.deep.equal({ keys: ['forever'], more: false });
  });

  it('incr keeps the expiry without ttl, moves it with one, and starts over at 0 once expired', async () => {
    await data('incr', { key: 'c', by: 2, ttl: 10 });
    now += 4000;
    expect(await data('incr', { key: 'c' })).to.deep.equal({ value: 3, expiresAt: now + 6000 });
    expect(await data('incr', { key: 'c', ttl: 10 })).to.deep.equal({ value: 4, expiresAt: now + 10_000 });
    now += 10_000;
    // Expired at exactly this millisecond: counted from 0 again, and without an expiry.
    expect(await data('incr', { key: 'c', by: 5 })).to.deep.equal({ value: 5, expiresAt: null });
    expect(await data('get', { key: 'c' })).to.deep.equal({ exists: true, value: 5, expiresAt: null });
    now += 1;
    await data('set', { key: 'd', value: 7, ttl: 1 });
    now += 1000;
    expect(await data('incr', { key: 'd', ttl: 3 })).to.deep.equal({ value: 1, expiresAt: now + 3000 });
  });

  it('an expired key that held a non-number counts as 0; a live one is a CONFLICT that changes nothing', async () => {
    await data('set', { key: 's', value: 'text', ttl: 1 });
    await refused(kv('incr', { key: 's' }), 'CONFLICT', /^key s holds a string, not a number$/);
    expect(await data('get', { key: 's' })).to.deep.equal({
      exists: true,
      value: 'text',
      expiresAt: now + 1000,
    });
    now += 1000;
    expect(await data('incr', { key: 's' })).to.deep.equal({ value: 1, expiresAt: null });
  });

  it('set without ttl makes a key permanent again', async () => {
    await data('set', { key: 'k', value: 1, ttl: 1 });
    expect(await data('set', { key: 'k', value: 2 })).to.deep.equal({ stored: true, expiresAt: null });
    now += 5000;
    expect(await data('get', { key: 'k' })).to.deep.equal({ exists: true, value: 2, expiresAt: null });
  });

  it('incr refuses a step or a result that is not a finite number, and changes nothing', async () => {
    await data('set', { key: 'big', value: 1.7e308 });
    await refused(
      kv('incr', { key: 'big', by: 1.7e308 }),
      'VALIDATION_ERROR',
      /^the result is not a finite number$/,
    );
    expect(await data('get', { key: 'big' })).to.deep.include({ value: 1.7e308 });
    // The bus cannot carry a non-finite number; a caller in the same process can.
    for (const by of [Infinity, NaN]) {
      await service.kv.incr(ns, 'big', by).then(
        () => expect.fail('accepted'),
        (error: StorageError) => {
          expect(error.code).to.equal('VALIDATION_ERROR');
          expect(error.message).to.equal('by: must be a finite number');
        },
      );
    }
    expect(await data('get', { key: 'big' })).to.deep.include({ value: 1.7e308 });
  });

  it('set: a value is required, JSON, at most the byte limit; keys are checked on every operation', async () => {
    await refused(kv('set', { key: 'k' }), 'VALIDATION_ERROR', /^value: /);
    // The payload schema refuses a missing value first; the store refuses it for a caller in process.
    await service.kv.set(ns, 'k', undefined).then(
      () => expect.fail('accepted'),
      (error: StorageError) =>
        expect(`${error.code} ${error.message}`).to.equal('VALIDATION_ERROR value: required'),
    );
    await refused(
      kv('set', { key: 'k', value: { n: NaN } }),
      'VALIDATION_ERROR',
      /^value: NaN is not a finite number$/,
    );
    // A JSON string of exactly the limit: its quotes and the text.
    const fits = 'x'.repeat(LIMITS.kvValueBytes - 2);
    expect(await data('set', { key: 'k', value: fits })).to.deep.include({ stored: true });
    await refused(
      kv('set', { key: 'k', value: `${fits}x` }),
      'VALUE_TOO_LARGE',
      new RegExp(
        `^value: ${LIMITS.kvValueBytes + 1} bytes of JSON, more than the ${LIMITS.kvValueBytes} allowed$`,
      ),
    );
    expect(await data('get', { key: 'k' })).to.deep.include({ value: fits });
    for (const op of ['get', 'delete', 'incr'] as const)
      await refused(kv(op, { key: '' }), 'VALIDATION_ERROR', /^key: must not be empty$/);
    await refused(kv('set', { key: '', value: 1 }), 'VALIDATION_ERROR', /^key: must not be empty$/);
  });

  it('delete removes that key only', async () => {
    await data('set', { key: 'a', value: 1 });
    await data('set', { key: 'b', value: 2 });
    const other = ns;
    ns = `${other}x`;
    await data('set', { key: 'a', value: 3 });
    ns = other;
    expect(await data('delete', { key: 'a' })).to.deep.equal({ deleted: true });
    expect(await data('list', {})).to.deep.equal({ keys: ['b'], more: false });
    ns = `${other}x`;
    expect(await data('get', { key: 'a' })).to.deep.include({ value: 3 });
  });

  it('list pages with more, a literal prefix and after, at their length limits', async () => {
    for (const key of ['a1', 'a2', 'a3', 'b1', 'a%']) await data('set', { key, value: 0 });
    expect(await data('list', { limit: 2 })).to.deep.equal({ keys: ['a%', 'a1'], more: true });
    expect(await data('list', { limit: 2, after: 'a1' })).to.deep.equal({ keys: ['a2', 'a3'], more: true });
    expect(await data('list', { limit: 3, after: 'a1' })).to.deep.equal({
      keys: ['a2', 'a3', 'b1'],
      more: false,
    });
    expect(await data('list', { prefix: 'a', limit: 4 })).to.deep.equal({
      keys: ['a%', 'a1', 'a2', 'a3'],
      more: false,
    });
    expect(await data('list', { prefix: 'a%' })).to.deep.equal({ keys: ['a%'], more: false });
    const long = 'x'.repeat(LIMITS.kvKeyLength);
    expect(await data('list', { prefix: long, after: long })).to.deep.equal({ keys: [], more: false });
    await refused(
      kv('list', { prefix: `${long}x` }),
      'VALIDATION_ERROR',
      /^prefix: longer than 255 characters$/,
    );
    await refused(
      kv('list', { after: `${long}x` }),
      'VALIDATION_ERROR',
      /^after: longer than 255 characters$/,
    );
    await refused(kv('list', { prefix: 'a\ud800' }), 'VALIDATION_ERROR', /^prefix: must be Unicode/);
    await refused(kv('list', { after: '\udc00' }), 'VALIDATION_ERROR', /^after: must be Unicode/);
  });

  it('clear removes every key of the namespace, expired ones included, and only those', async () => {
    await data('set', { key: 'a', value: 1, ttl: 1 });
    await data('set', { key: 'b', value: 1 });
    const other = ns;
    now += 2000;
    ns = `${other}x`;
    await data('set', { key: 'a', value: 1 });
    expect(await service.kv.clear(other)).to.equal(2);
    expect(await data('get', { key: 'a' })).to.deep.include({ exists: true });
  });
});
