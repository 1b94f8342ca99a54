import { expect } from 'chai';
import type { NatsConnection } from '../../contract/nats.js';
import { createActor, setup, type AnyEventObject } from 'xstate';
import { BusLink } from '../../actors/bus/bus-link.js';
import { pluginMigrationsMachine } from '../../actors/migrator/plugin-migrations.machine.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import { err, ok, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import { captureLogger } from '../support/capture-logger.js';
import { client, useNatsServer } from '../support/nats.js';

/**
 * The child that applies a plugin's migrations before its process starts, against a migrator the
 * test plays on a real nats-server: what it asks, when it reports ready, and how it fails.
 */

const PLUGIN = 'quotes';
const report = (steps: string[], currentVersion: number, warnings: string[] = []) =>
  ok({
    plugin: PLUGIN,
    dryRun: false,
    steps: steps.map((name, i) => ({ version: i + 1, name, durationMs: 1 })),
    currentVersion,
    warnings,
  });

describe('plugin migrations before a plugin starts (real nats-server, the test as the migrator)', function () {
  this.timeout(10_000);
  const nats = useNatsServer();
  let migrator: NatsConnection;
  let rosey: NatsConnection;

  beforeEach(async () => {
    migrator = await client(nats.url);
    rosey = await client(nats.url);
  });
  afterEach(async () => {
    await migrator.close();
    await rosey.close();
  });

  /** Runs the child under a parent that records what it is sent; `reply: undefined` answers nothing. */
  async function run(
    reply: Result<unknown> | undefined,
    options: { timeoutMs?: number; shutdown?: boolean } = {},
  ) {
    const asked: unknown[] = [];
    migrator.subscribe(subjects.migrate(PLUGIN, 'apply'), {
      callback: (_error, msg) => {
        const decoded = decodeJson(msg.data);
        asked.push(decoded.ok ? decoded.data : undefined);
        if (reply) msg.respond(encodeJson(reply));
      },
    });
    await migrator.flush();
    const link = new BusLink();
    link.set(rosey);
    const logger = captureLogger();
    const events: AnyEventObject[] = [];
    let finished!: (exit: ExitReason) => void;
    const exit = new Promise<ExitReason>((resolve) => (finished = resolve));
    let readied!: (ready: 'ready') => void;
    const ready = new Promise<'ready'>((resolve) => (readied = resolve));
    const parent = setup({ actors: { child: pluginMigrationsMachine } }).createMachine({
      on: {
        '*': {
          actions: ({ event }) => {
            events.push(event);
            if (event.type === 'rosey.child.ready') readied('ready');
          },
        },
      },
      invoke: {
        id: 'migrations',
        src: 'child',
        input: { plugin: PLUGIN, link, logger, timeoutMs: options.timeoutMs },
        onDone: { actions: ({ event }) => finished(event.output.exit) },
      },
    });
    const actor = createActor(parent).start();
    let outcome: ExitReason | 'ready';
    if (options.shutdown) {
      actor.getSnapshot().children.migrations!.send({ type: 'rosey.shutdown' });
      outcome = await exit;
    } else {
      outcome = await Promise.race([exit, ready]);
    }
    actor.stop();
    return { outcome, asked, events, logger };
  }

  it('asks the migrator to apply as rosey, then reports ready with the schema version and logs what it applied', async () => {
    const { outcome, asked, events, logger } = await run(
      report(['001_a.sql', '002_b.sql'], 2, ['002_b.sql: DROP TABLE loses data']),
    );
    expect(outcome).to.equal('ready');
    expect(asked).to.deep.equal([{ actor: 'rosey' }]);
    const ready = events.find((e) => e.type === 'rosey.child.ready');
    expect(ready).to.deep.include({ info: { schemaVersion: 2 } });
    expect(logger.lines.map((l) => `${l.level} ${l.msg}`)).to.deep.equal([
      'info applied 001_a.sql, 002_b.sql; schema at version 2',
      'warn 002_b.sql: DROP TABLE loses data',
    ]);
  });

  it('logs nothing when there was nothing to apply', async () => {
    const { outcome, events, logger } = await run(report([], 3));
    expect(outcome).to.equal('ready');
    expect(events.find((e) => e.type === 'rosey.child.ready')).to.deep.include({
      info: { schemaVersion: 3 },
    });
    expect(logger.lines).to.deep.equal([]);
  });

  it("fails the plugin's start with the migrator's reason", async () => {
    const { outcome, events } = await run(err('MIGRATION_FAILED', '002_b.sql failed (apply): bad SQL'));
    expect(outcome).to.deep.equal({ error: '002_b.sql failed (apply): bad SQL' });
    expect(events.some((e) => e.type === 'rosey.child.ready')).to.equal(false);
  });

  it('fails on a report that breaks the contract', async () => {
    const { outcome } = await run(ok({ plugin: PLUGIN, steps: 'all of them' }));
    expect(outcome)
      .to.have.property('error')
      .that.matches(/malformed|expected|invalid/i);
  });

  it('fails when the migrator does not answer within its timeout', async () => {
    const { outcome } = await run(undefined, { timeoutMs: 200 });
    expect(outcome).to.deep.equal({ error: 'no reply on rosey.db.migrate.quotes.apply within 200 ms' });
  });

  it('stops cleanly when Rosey shuts down while it waits', async () => {
    const { outcome } = await run(undefined, { shutdown: true });
    expect(outcome).to.equal('shutdown');
  });
});
