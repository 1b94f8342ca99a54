import { expect } from 'chai';
import { StorageClient, StorageError } from '../../sdk/storage-client.js';
import { useNatsServer } from '../support/nats.js';
import { startStorageKernel, type StorageKernel } from '../support/storage-kernel.js';

/** What a plugin sees: the SDK's typed client against the real storage and migrator actors. */
describe('SDK storage client (ctx.kv, ctx.rows, ctx.migrations)', function () {
  this.timeout(30_000);
  const nats = useNatsServer();
  let kernel: StorageKernel;
  let client: StorageClient;

  before(async () => {
    kernel = await startStorageKernel(nats.url, 'sqlite');
    client = new StorageClient(kernel.nc, 'notes');
  });
  after(() => kernel.stop());

  it('applies migrations and reports the version', async () => {
    const run = await client.migrations.apply();
    expect(run.steps.map((s) => s.version)).to.deep.equal([1, 2]);
    expect((await client.migrations.status()).currentVersion).to.equal(2);
  });

  it('reads, writes and counts keys; an absent key is undefined', async () => {
    expect(await client.kv.get('missing')).to.equal(undefined);
    await client.kv.set('greeting', { text: 'hi' });
    expect(await client.kv.get('greeting')).to.deep.equal({ text: 'hi' });
    expect(await client.kv.incr('visits')).to.equal(1);
    expect(await client.kv.incr('visits', 4)).to.equal(5);
    expect(await client.kv.list({ prefix: 'gr' })).to.deep.equal({ keys: ['greeting'], more: false });
    expect(await client.kv.delete('greeting')).to.equal(true);
    expect(await client.kv.delete('greeting')).to.equal(false);
  });

  it('inserts, selects, searches, updates and deletes rows; an absent row is undefined', async () => {
    const id = await client.rows.insert('items', { title: 'first', author: 'ann', score: 1 });
    const ids = await client.rows.insertMany('items', [
      { title: 'second', author: 'bob' },
      { title: 'third', author: 'ann' },
    ]);
    expect(ids).to.have.length(2);
    expect((await client.rows.select('items', id as number))?.title).to.equal('first');
    expect(await client.rows.select('items', 999_999)).to.equal(undefined);
    const anns = await client.rows.search('items', { filters: { author: 'ann' }, sort: { field: 'id' } });
    expect(anns.map((r) => r.title)).to.deep.equal(['first', 'third']);
    const updated = await client.rows.update('items', { id }, { score: { $inc: 2 } }, { returning: true });
    expect(updated.rows?.[0]?.score).to.equal(3);
    expect(await client.rows.count('items', { author: 'ann' })).to.equal(2);
    expect(await client.rows.delete('items', { author: 'bob' })).to.equal(1);
  });

  it('throws StorageError with the service’s code', async () => {
    const failure = await client.rows.search('no_such_table').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(StorageError);
    expect((failure as StorageError).code).to.equal('UNKNOWN_TABLE');
  });

  it('refuses NaN and Infinity before sending, instead of letting JSON turn them into null', async () => {
    await client.rows.insert('items', { title: 'no author' });
    const before = await client.rows.count('items');
    const failure = await client.rows.delete('items', { author: Number.NaN }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(StorageError);
    expect((failure as StorageError).code).to.equal('VALIDATION_ERROR');
    expect((failure as StorageError).message).to.equal(
      'payload.filters.author: not a finite number (JSON would send null)',
    );
    expect(await client.rows.count('items')).to.equal(before);
    const infinite = await client.kv.incr('visits', Infinity).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((infinite as StorageError).message).to.match(/^payload\.by: not a finite number/);
    expect(await client.kv.get('visits')).to.equal(5);
  });
});
