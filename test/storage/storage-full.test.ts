import { expect } from 'chai';
import { connect, type NatsConnection } from '../../contract/nats.js';
import { databaseWorker } from '../../actors/database/database-worker.actor.js';
import { fromDatabaseError } from '../../actors/database/storage-error.js';
import type { HandlerSpec } from '../../actors/database/thread-protocol.js';
import { storageMachine } from '../../actors/storage/storage.machine.js';
import { busSpec, newWiring, migratorSpec, storageSpec } from '../../app/child-specs.js';
import { quietLogger } from '../../contract/log.js';
import { StorageClient, StorageError } from '../../sdk/index.js';
import { runTree, type RunningTree } from '../../supervisors/run-tree.js';
import { freshDatabase } from '../support/databases.js';
import { useNatsServer } from '../support/nats.js';
import { FIXTURE_MIGRATIONS } from '../support/storage-kernel.js';

const FULL: HandlerSpec = {
  module: new URL('../fixtures/database-handlers/full-storage.js', import.meta.url).href,
  exportName: 'fullStorageHandler',
  options: { sparePages: 8 },
};

/** What a storage call threw (`undefined` if it did not). */
async function thrown(call: () => Promise<unknown>): Promise<StorageError | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    if (error instanceof StorageError) return error;
    throw error;
  }
}

/**
 * Issue 15, defect 8: a full disk was answered DATABASE_ERROR, which plugins (quote-db) took for
 * "storage is not answering". Storage now answers STORAGE_FULL, and writes nothing of the request.
 */
describe('storage on a full disk answers STORAGE_FULL and writes nothing', function () {
  this.timeout(30_000);
  const nats = useNatsServer();
  let tree: RunningTree;
  let nc: NatsConnection;
  let storage: StorageClient;

  before(async () => {
    const wiring = newWiring(quietLogger);
    const database = await freshDatabase('sqlite');
    const storageChild = storageSpec(wiring, database);
    tree = await runTree({
      name: 'storage-full',
      strategy: 'rest_for_one',
      logger: quietLogger,
      children: [
        busSpec(wiring, { url: nats.url }),
        // The migrator first here, so the tables exist before storage's size limit is taken.
        migratorSpec(wiring, database, { migrationDirs: new Map([['notes', `${FIXTURE_MIGRATIONS}notes`]]) }),
        {
          ...storageChild,
          logic: storageMachine.provide({ actors: { database: databaseWorker({ handler: FULL }) } }),
        },
      ],
    });
    nc = await connect({ servers: nats.url, name: 'storage-full-test' });
    storage = new StorageClient(nc, 'notes');
    await storage.migrations.apply();
  });
  after(async () => {
    await nc?.close();
    await tree?.shutdown();
  });

  const big = (i: number) => `${i}:${'x'.repeat(20_000)}`;
  // Small enough that, once one does not fit, less than a page is left: nothing larger fits either.
  const small = (i: number) => `${i}:${'x'.repeat(3000)}`;

  it('fills up: the write that does not fit gets STORAGE_FULL, and none of it is stored', async () => {
    let full: StorageError | undefined;
    let stored = 0;
    for (let i = 0; i < 100 && !full; i++) {
      full = await thrown(() => storage.kv.set(`k${i}`, small(i)));
      if (!full) stored++;
    }
    expect(full?.code, 'a write refused for lack of room').to.equal('STORAGE_FULL');
    expect(full?.message).to.match(/^storage is full: database or disk is full/);
    expect(stored, 'some writes fitted first').to.be.greaterThan(0);
    expect(await storage.kv.get(`k${stored}`), 'the refused key').to.equal(undefined);
    // Reads go on while nothing can be written.
    expect(await storage.kv.get(`k0`)).to.equal(small(0));

    // A batch of rows is one transaction: refused whole, no row of it left.
    const before = await storage.rows.count('items');
    const batch = Array.from({ length: 20 }, (_, i) => ({ title: big(i) }));
    expect((await thrown(() => storage.rows.insertMany('items', batch)))?.code).to.equal('STORAGE_FULL');
    expect(await storage.rows.count('items')).to.equal(before);
    // So is an audit record.
    expect(
      (await thrown(() => storage.audit('note.added', 'note 1', { text: 'y'.repeat(8000) })))?.code,
    ).to.equal('STORAGE_FULL');

    // Once there is room again (keys deleted: SQLite reuses their pages), writes succeed.
    for (let i = 0; i < stored; i++) await storage.kv.delete(`k${i}`);
    await storage.kv.set('after', big(0));
    expect(await storage.kv.get('after')).to.equal(big(0));
  });

  it("maps PostgreSQL's disk_full (53100) to STORAGE_FULL too", () => {
    const error = Object.assign(
      new Error(
        'insert into "rosey_kv" … - could not extend file "base/16384/16385": No space left on device',
      ),
      { code: '53100' },
    );
    const mapped = fromDatabaseError(error);
    expect(mapped.code).to.equal('STORAGE_FULL');
    expect(mapped.message).to.equal(
      'storage is full: could not extend file "base/16384/16385": No space left on device',
    );
  });
});
