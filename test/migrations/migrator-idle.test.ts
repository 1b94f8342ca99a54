import { expect } from 'chai';
import { connect, type NatsConnection } from '../../contract/nats.js';
import { migratorMachine } from '../../actors/migrator/migrator.machine.js';
import { busSpec, newWiring, storageSpec } from '../../app/child-specs.js';
import { quietLogger } from '../../contract/log.js';
import { request } from '../../contract/request.js';
import type { Result } from '../../contract/result.js';
import { runTree, type RunningTree } from '../../supervisors/run-tree.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';
import { eventually, useNatsServer } from '../support/nats.js';
import { FIXTURE_MIGRATIONS } from '../support/storage-kernel.js';

/**
 * Issue 16: the migrator's database thread (a whole isolate) closes when idle, so that Rosey's
 * process gives it back between startup and the next install. A migration after that must work
 * exactly as before: a fresh thread applies it, and storage hears of the schema change. On SQLite
 * the migrator runs on the main thread, sharing storage's connection, and "closing" gives that
 * lease back: the same holds.
 */
forEachDatabase('the migrator with its thread closed while idle', (kind) => {
  const nats = useNatsServer();
  let tree: RunningTree;
  let nc: NatsConnection;

  before(async () => {
    const wiring = newWiring(quietLogger);
    const database = await freshDatabase(kind);
    tree = await runTree({
      name: 'migrator-idle',
      strategy: 'rest_for_one',
      logger: quietLogger,
      children: [
        busSpec(wiring, { url: nats.url }),
        storageSpec(wiring, database),
        {
          id: 'migrator',
          logic: migratorMachine,
          shutdown: 'infinity',
          input: {
            ...wiring,
            target: database,
            migrationDirs: new Map([['notes', `${FIXTURE_MIGRATIONS}notes`]]),
            threadIdleMs: 200,
          },
        },
      ],
    });
    nc = await connect({ servers: nats.url, name: 'migrator-idle-test' });
  });
  after(async () => {
    await nc?.close();
    await tree?.shutdown();
  });

  const call = (rest: string, payload: unknown): Promise<Result<unknown>> =>
    request(nc, `rosey.db.${rest}`, payload, { timeoutMs: 20_000 });
  const migratorInfo = () => tree.actor.getSnapshot().context.records.migrator?.info;

  it('applies a migration from a fresh thread, storage sees the new tables, and status shows the thread', async () => {
    const first = migratorInfo()?.thread;
    // SQLite's migrator runs on the main thread, on storage's connection; PostgreSQL's in a thread.
    if (kind === 'sqlite') expect(first, 'on the main thread').to.equal('main');
    else expect(first, 'a thread at start').to.be.a('number');
    await eventually(() => migratorInfo()?.thread === 'none', 'the idle thread closed', 15_000);

    const applied = await call('migrate.notes.apply', { actor: 'tester' });
    expect(applied.ok && (applied.data as { steps: unknown[] }).steps).to.have.length(2);
    // 002 seeds two labels: storage re-read the schema the new thread announced.
    expect(await call('row.notes.count', { table: 'labels' })).to.deep.equal({
      ok: true,
      data: { count: 2 },
    });
    const reopened = migratorInfo()?.thread;
    // Unless it has already closed again, `rosey status` names the new thread.
    if (reopened !== 'none' && kind === 'sqlite') expect(reopened).to.equal('main');
    else if (reopened !== 'none') expect(reopened).to.be.a('number').and.not.equal(first);
    await eventually(() => migratorInfo()?.thread === 'none', 'closed again', 15_000);
    expect(tree.actor.getSnapshot().context.records.migrator?.restarts, 'never restarted').to.equal(0);
  });
});
