import { expect } from 'chai';
import { connect, type NatsConnection } from '../../contract/nats.js';
import { busMachine } from '../../actors/bus/bus.machine.js';
import { databaseWorker } from '../../actors/database/database-worker.actor.js';
import type { HandlerSpec } from '../../actors/database/thread-protocol.js';
import { storageMachine } from '../../actors/storage/storage.machine.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { request } from '../../contract/request.js';
import { quietLogger } from '../../contract/log.js';
import { runTree, type RunningTree } from '../../supervisors/run-tree.js';
import { freshDatabase } from '../support/databases.js';
import { eventually, useNatsServer } from '../support/nats.js';

const SCRIPTED: HandlerSpec = {
  module: new URL('../fixtures/database-handlers/scripted.js', import.meta.url).href,
  exportName: 'scriptedHandler',
  options: {},
};

/**
 * The storage actor under a real supervisor, with a database thread whose handler crashes on
 * request: the caller gets an error instead of a timeout, and the supervisor brings storage back
 * with a fresh thread.
 */
describe('storage recovers when its database thread dies', function () {
  this.timeout(30_000);
  const nats = useNatsServer();
  let tree: RunningTree;
  let nc: NatsConnection;

  before(async () => {
    const link = new BusLink();
    tree = await runTree({
      name: 'storage-recovery',
      strategy: 'rest_for_one',
      logger: quietLogger,
      children: [
        { id: 'bus', logic: busMachine, input: { endpoint: { url: nats.url }, link, logger: quietLogger } },
        {
          id: 'storage',
          logic: storageMachine.provide({
            actors: { database: databaseWorker({ handler: SCRIPTED, placement: 'thread' }) },
          }),
          input: { link, logger: quietLogger, target: await freshDatabase('sqlite') },
        },
      ],
    });
    nc = await connect({ servers: nats.url, name: 'recovery-test' });
  });
  after(async () => {
    await nc.close();
    await tree.shutdown();
  });

  const call = (payload: unknown) => request(nc, 'rosey.db.kv.notes.get', payload, { timeoutMs: 5_000 });
  const storageRecord = () => tree.actor.getSnapshot().context.records.storage;

  it('answers the request in flight with DATABASE_ERROR, restarts storage, and serves again', async () => {
    expect(await call({})).to.deep.equal({ ok: true, data: { dialect: 'sqlite', keys: 0 } });
    const threadBefore = storageRecord()?.info?.thread;
    expect(threadBefore).to.be.a('number');

    const crashed = await call({ do: 'crash' });
    expect(crashed.ok).to.equal(false);
    expect(!crashed.ok && crashed.error.code).to.equal('DATABASE_ERROR');
    expect(!crashed.ok && crashed.error.message).to.match(/database thread stopped: .*scripted crash/);

    await eventually(() => (storageRecord()?.restarts ?? 0) >= 1 || undefined, 'storage restarted');
    const again = await eventually(async () => {
      const reply = await call({});
      return reply.ok ? reply : undefined;
    }, 'storage serving again');
    expect(again).to.deep.equal({ ok: true, data: { dialect: 'sqlite', keys: 0 } });
    expect(storageRecord()?.info?.thread).to.be.a('number').and.not.equal(threadBefore);
  });
});
