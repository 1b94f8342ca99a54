import { expect } from 'chai';
import { sharedPostgres } from '../support/databases.js';
import { startFakeCytube, type FakeCytube } from '../support/fake-cytube/index.js';
import { eventually } from '../support/nats.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { startPartitionProxy, type PartitionProxy } from '../support/partition-proxy.js';
import { botsInChannel, clusterCytube, startRoseyNode, type RoseyNode } from '../support/rosey-node.js';

/**
 * The leader cut off from PostgreSQL (docs/guides/SCALING.md): node a reaches the database
 * through a proxy that stops passing anything without closing a socket. Its lease check times out
 * and its bot leaves the channel; only when PostgreSQL drops the silent session (here: the proxy
 * closes the server's side, as PostgreSQL's keepalives would after `serverDeadAfterMs`) may node b
 * take the lock. The bot is never in the channel twice.
 */
describe('cluster: a leader partitioned from PostgreSQL steps down before the standby takes over', function () {
  this.timeout(180_000);
  let cluster: NatsCluster;
  let cytube: FakeCytube;
  let proxy: PartitionProxy;
  const nodes: RoseyNode[] = [];
  let most = 0;
  let sampler: NodeJS.Timeout | undefined;
  const bots = () => botsInChannel(cytube);

  before(async () => {
    cluster = await startNatsCluster(3);
    cytube = await startFakeCytube({
      accounts: { testbot: 'botpass123' },
      channels: { testchan: { ranks: { testbot: 1 } } },
    });
    const pg = await sharedPostgres();
    const database = `rosey_partition_${process.pid}`;
    pg.createDatabase(database);
    proxy = await startPartitionProxy({ host: '127.0.0.1', port: pg.port });
    const config = {
      platforms: clusterCytube(cytube.baseUrl),
    };
    sampler = setInterval(() => (most = Math.max(most, bots())), 5);
    const viaProxy = pg.url(database).replace(`:${pg.port}/`, `:${proxy.port}/`);
    nodes.push(await startRoseyNode({ name: 'a', databaseUrl: viaProxy, clusterUrls: cluster.urls, config }));
    // a holds the lease before b exists.
    await eventually(() => bots() === 1, "node a's bot in the channel", 60_000);
    nodes.push(
      await startRoseyNode({ name: 'b', databaseUrl: pg.url(database), clusterUrls: cluster.urls, config }),
    );
  });

  after(async () => {
    clearInterval(sampler);
    await Promise.all(nodes.map((n) => n.stop()));
    await proxy?.close();
    await cytube?.stop();
    await cluster?.stop();
  });

  it("a's bot leaves; b's comes only after PostgreSQL dropped a's session; never two", async () => {
    const channel = cytube.channel('testchan');
    const joinsBefore = channel.users().length;
    expect(joinsBefore).to.equal(1);
    proxy.partition();
    // a notices by its own check and leaves; b cannot have the lock yet (a's session still holds it).
    await eventually(() => bots() === 0, "node a's bot out of the channel", 30_000);
    expect(bots(), 'b must wait for the lock').to.equal(0);
    proxy.serverGivesUp();
    await eventually(() => bots() === 1, "node b's bot in the channel", 30_000);
    expect(most, 'the bot was never in the user list twice').to.equal(1);
    const kicked = cytube.log.filter(
      (e) => e.event === 'kick' && JSON.stringify(e.data).includes('Duplicate'),
    );
    expect(kicked).to.deep.equal([]);
  });
});
