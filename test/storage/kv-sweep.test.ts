import { expect } from 'chai';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { KvStore } from '../../actors/storage/kv-store.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';

forEachDatabase('key-value expiry sweep', (kind) => {
  let db: Database;
  let now = 1_000_000;
  before(async () => {
    db = await openDatabase(await freshDatabase(kind));
  });
  after(() => db.close());

  it('deletes expired keys of every namespace and keeps the rest', async () => {
    const kv = new KvStore(db.knex, db.dialect, () => now);
    await kv.set('a', 'short', 1, 10);
    await kv.set('b', 'short', 2, 10);
    await kv.set('a', 'long', 3, 1000);
    await kv.set('a', 'forever', 4);
    expect(await kv.sweep()).to.equal(0);
    now += 10_000;
    expect((await kv.get('a', 'short')).exists).to.equal(false);
    expect(await kv.sweep()).to.equal(2);
    const left = (await db
      .knex('rosey_kv')
      .select('namespace', 'key')
      .orderBy(['namespace', 'key'])) as unknown[];
    expect(left).to.deep.equal([
      { namespace: 'a', key: 'forever' },
      { namespace: 'a', key: 'long' },
    ]);
  });
});
