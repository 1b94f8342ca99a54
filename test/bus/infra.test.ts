import { expect } from 'chai';
import { z } from '../../contract/zod.js';
import { busMachine } from '../../actors/bus/bus.machine.js';
import { natsServerActor } from '../../actors/nats-server/nats-server.actor.js';
import type { InboundEvent } from '../../actors/bus/bridge.actor.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { encodeJson } from '../../contract/envelope.js';
import { quietLogger } from '../../contract/log.js';
import { findFreePort } from '../../process/free-port.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { runTree, type RunningTree } from '../../supervisors/run-tree.js';
import { startBridgeOwner } from '../support/bridge-owner.js';
import { captureLogger } from '../support/capture-logger.js';
import { client, eventually, tempDir } from '../support/nats.js';

function infraSpecs(
  port: number,
  link: BusLink,
  extra: Partial<Record<'natsServer' | 'bus', Partial<ChildSpec>>> = {},
) {
  const dir = tempDir();
  const specs: ChildSpec[] = [
    {
      id: 'nats-server',
      logic: natsServerActor,
      input: { port, dir, logger: quietLogger },
      ...extra.natsServer,
    },
    {
      id: 'bus',
      logic: busMachine,
      input: { endpoint: { url: `nats://127.0.0.1:${port}` }, link, logger: quietLogger },
      ...extra.bus,
    },
  ];
  return specs;
}

/** A supervised infra branch on a fresh port, and a bridge owner listening on `subject`. */
async function startInfra(strategy: 'one_for_one' | 'rest_for_one', subject?: string) {
  const link = new BusLink();
  const port = await findFreePort();
  const tree = await runTree({
    name: 'infra',
    strategy,
    intensity: 3,
    children: infraSpecs(port, link),
    logger: quietLogger,
  });
  const owner = subject
    ? startBridgeOwner({
        link,
        logger: quietLogger,
        subscriptions: [{ subject, event: subject, schema: z.object({}).passthrough() }],
      })
    : undefined;
  await owner?.bound();
  return { link, port, tree, owner };
}

const pidOf = (tree: RunningTree, id: string) =>
  tree.actor.getSnapshot().context.records[id]?.info?.pid as number;

describe('infra: nats-server actor + bus actor under a supervisor', () => {
  let tree: RunningTree | undefined;
  let owner: ReturnType<typeof startBridgeOwner> | undefined;

  afterEach(async () => {
    owner?.stop();
    owner = undefined;
    await tree?.shutdown();
    tree = undefined;
  });

  it('starts nats-server on a free loopback port, then connects the bus', async () => {
    const infra = await startInfra('rest_for_one');
    tree = infra.tree;
    const { link, port } = infra;
    expect(link.connection?.getServer()).to.equal(`127.0.0.1:${port}`);
    const records = tree.actor.getSnapshot().context.records;
    expect(records['nats-server']?.info).to.include({ port });
    expect(records.bus?.status).to.equal('running');
  });

  it('survives a nats-server crash: the server is restarted on the same port and messages flow again', async () => {
    const infra = await startInfra('one_for_one', 'test.ping');
    ({ tree, owner } = infra);
    const { port } = infra;
    const firstPid = pidOf(tree, 'nats-server');
    process.kill(firstPid, 'SIGKILL');
    await eventually(
      () =>
        pidOf(tree!, 'nats-server') !== firstPid &&
        tree!.actor.getSnapshot().context.records['nats-server']?.status === 'running',
      'restarted nats-server',
    );
    expect(tree.actor.getSnapshot().context.records['nats-server']?.restarts).to.equal(1);
    // The bus was not restarted: its client reconnected to the same address by itself.
    expect(tree.actor.getSnapshot().context.records.bus?.restarts).to.equal(0);
    const sender = await client(`nats://127.0.0.1:${port}`);
    await eventually(async () => {
      sender.publish('test.ping', encodeJson({ n: 1 }));
      await sender.flush();
      await new Promise((r) => setTimeout(r, 50));
      return owner!.events.some((e) => e.type === 'test.ping');
    }, 'a message after the restart');
    const ping = owner!.events.find((e) => e.type === 'test.ping') as InboundEvent<
      'test.ping',
      { n: number }
    >;
    expect(ping.data.n).to.equal(1);
    await sender.close();
  });

  // Issue 15: the bus drained a connection whose server was dead; the drain failed, the connection
  // stayed open reconnecting, and the restart waited out the bus's 5 s shutdown timeout.
  it('replaces the bus after a nats-server crash (rest_for_one) without waiting out its shutdown timeout', async () => {
    const link = new BusLink();
    const port = await findFreePort();
    const logger = captureLogger();
    tree = await runTree({
      name: 'infra',
      strategy: 'rest_for_one',
      intensity: 3,
      children: infraSpecs(port, link),
      logger,
    });
    const first = link.connection!;
    process.kill(pidOf(tree, 'nats-server'), 'SIGKILL');
    await eventually(() => link.connection && link.connection !== first, 'a new bus connection', 10_000);
    const records = tree.actor.getSnapshot().context.records;
    expect(records.bus?.restarts).to.equal(1);
    expect(first.isClosed()).to.equal(true);
    expect(logger.lines.map((l) => l.msg).filter((m) => m.includes('did not stop'))).to.deep.equal([]);
  });

  it('restarts the bus when its connection closes for good, and bridges rebind to the new one', async () => {
    const infra = await startInfra('rest_for_one', 'test.after');
    ({ tree, owner } = infra);
    const { link, port } = infra;
    const first = link.connection!;
    await first.close();
    await eventually(() => link.connection && link.connection !== first, 'a new bus connection');
    await owner!.bound(2);
    expect(tree.actor.getSnapshot().context.records.bus?.restarts).to.equal(1);
    const sender = await client(`nats://127.0.0.1:${port}`);
    sender.publish('test.after', encodeJson({}));
    await owner!.next('test.after');
    await sender.close();
  });

  it('fails the start with one clear line when NATS is unreachable', async () => {
    const link = new BusLink();
    const port = await findFreePort();
    const error = await runTree({
      name: 'infra',
      strategy: 'one_for_one',
      children: [
        {
          id: 'bus',
          logic: busMachine,
          input: {
            endpoint: { url: `nats://127.0.0.1:${port}` },
            link,
            logger: quietLogger,
            connectDeadlineMs: 300,
          },
        },
      ],
      logger: quietLogger,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(
      new RegExp(`failed to start bus: cannot reach NATS at nats://127.0.0.1:${port}`),
    );
    expect(error?.message).to.not.include('\n');
  });

  it('says how to install nats-server when the binary is missing', async () => {
    const error = await runTree({
      name: 'infra',
      strategy: 'one_for_one',
      children: [
        {
          id: 'nats-server',
          logic: natsServerActor,
          input: {
            port: await findFreePort(),
            dir: tempDir(),
            binary: 'nats-server-that-does-not-exist',
            logger: quietLogger,
          },
        },
      ],
      logger: quietLogger,
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.include('nats-server not found');
    expect(error?.message).to.include('apt-get install nats-server');
  });

  it('drains the bus and stops nats-server on shutdown, leaving no process behind', async () => {
    const infra = await startInfra('rest_for_one');
    tree = infra.tree;
    const { link } = infra;
    const pid = pidOf(tree, 'nats-server');
    const output = await tree.shutdown();
    tree = undefined;
    expect(output.exit).to.equal('shutdown');
    expect(link.connection).to.equal(undefined);
    expect(() => process.kill(pid, 0)).to.throw();
  });
});
