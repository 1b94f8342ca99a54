import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { sharedPostgres } from '../support/databases.js';
import { fakeClient, type FakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube, type FakeCytube } from '../support/fake-cytube/index.js';
import { eventually } from '../support/nats.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { botsInChannel, clusterCytube, startRoseyNode, type RoseyNode } from '../support/rosey-node.js';

interface Tree {
  id: string;
  info?: Record<string, unknown>;
  children?: Tree[];
}

/** Whether this node's connector holds the channel's lease, as `rosey status` shows it. */
async function holdsLease(node: RoseyNode): Promise<boolean> {
  const result = await node.cli(['status', '--json']);
  if (result.code !== 0) return false;
  const tree = (JSON.parse(result.stdout) as { tree: Tree }).tree;
  const cytube = tree.children?.find((c) => c.id === 'connectors')?.children?.find((c) => c.id === 'cytube');
  return cytube?.info?.lease === 'held';
}

/**
 * One bot in the channel (docs/guides/SCALING.md): two nodes with the same CyTube channel
 * configured, three routed nats-servers, PostgreSQL, the fake CyTube server. Only the node holding
 * the channel's lease connects; `kill -9` of it brings the other one's connector into the channel,
 * and the bot is never in the user list twice, never kicked for a duplicate login, and no command is
 * answered twice.
 */
describe('cluster: the CyTube connector fails over between nodes (kill -9)', function () {
  this.timeout(240_000);
  let cluster: NatsCluster;
  let cytube: FakeCytube;
  let alice: FakeClient | undefined;
  const nodes: RoseyNode[] = [];
  // The bot's count in the user list, sampled from before the nodes start (both start at once
  // racing for the channel) to the end.
  let most = 0;
  let sampler: NodeJS.Timeout | undefined;
  let databaseUrl = '';
  const sql = (query: string) =>
    execFileSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-qAtc', query], { encoding: 'utf8' }).trim();
  const bots = () => botsInChannel(cytube);

  before(async () => {
    cluster = await startNatsCluster(3);
    cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 1, testbot: 1 } } },
    });
    const pg = await sharedPostgres();
    const database = `rosey_failover_${process.pid}`;
    pg.createDatabase(database);
    databaseUrl = pg.url(database);
    const config = {
      router: { defaultCooldownMs: 0 },
      platforms: clusterCytube(cytube.baseUrl),
    };
    sampler = setInterval(() => (most = Math.max(most, bots())), 5);
    nodes.push(
      ...(await Promise.all(
        ['a', 'b'].map((name) =>
          startRoseyNode({ name, databaseUrl: pg.url(database), clusterUrls: cluster.urls, config }),
        ),
      )),
    );
  });

  after(async () => {
    clearInterval(sampler);
    await alice?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await cytube?.stop();
    await cluster?.stop();
  });

  it('both nodes started at once on the empty database: every migration ran once, none failed', () => {
    // The migration lock row (actors/migrator/runner.ts) and the core migrations' transaction hold
    // across processes: the second node finds the work done.
    expect(
      sql(`SELECT count(DISTINCT plugin) FROM rosey_plugin_migrations WHERE status = 'applied'`),
    ).to.equal('4');
    expect(
      sql(
        `SELECT plugin, version FROM rosey_plugin_migrations WHERE status = 'applied' GROUP BY plugin, version HAVING count(*) > 1`,
      ),
    ).to.equal('');
    expect(sql(`SELECT count(*) FROM rosey_plugin_migrations WHERE status <> 'applied'`)).to.equal('0');
    expect(sql(`SELECT name FROM rosey_core_migrations GROUP BY name HAVING count(*) > 1`)).to.equal('');
  });

  it('the standby takes the channel when the leader is killed; one bot all along; no command answered twice', async () => {
    const channel = cytube.channel('testchan');
    await eventually(() => bots() === 1, 'the bot in the channel', 60_000);
    const leader = await eventually(
      async () => {
        const holding = [];
        for (const node of nodes) if (await holdsLease(node)) holding.push(node);
        return holding.length === 1 ? holding[0] : undefined;
      },
      'exactly one node holding the lease',
      30_000,
    );
    const standby = nodes.find((n) => n !== leader)!;
    // Asked on the standby, the CyTube commands say where the connector is, not that none is configured.
    const waiting = await standby.cli(['cytube', 'status']);
    expect(waiting.code).to.equal(1);
    expect(waiting.stderr.trim()).to.equal(
      'rosey cytube status: this node is a standby for the CyTube channel: its connector runs on the node holding the lease (rosey status --cluster lists the nodes)',
    );

    alice = await fakeClient(cytube.baseUrl, 'testchan', { name: 'alice', password: 'alicepass' });
    const answers = (i: number) =>
      channel.chat.filter((l) => l.username === 'testbot' && l.msg.startsWith(`alice rolled 1d6+${i}:`))
        .length;
    const sent: number[] = [];
    let i = 0;
    const say = () => {
      i++;
      sent.push(i);
      alice!.say(`!roll 1d6+${i}`);
    };
    for (let k = 0; k < 5; k++) {
      say();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await eventually(() => answers(5) === 1, 'the leader answering', 10_000);
    leader.kill();
    // Chat goes on while the bot is gone and comes back.
    await eventually(
      async () => {
        say();
        await new Promise((resolve) => setTimeout(resolve, 100));
        return bots() === 1 && (await holdsLease(standby));
      },
      "the standby's connector in the channel",
      30_000,
    );
    const back = i;
    for (let k = 0; k < 5; k++) {
      say();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await eventually(() => answers(i) === 1, 'the new leader answering', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(most, 'the bot was never in the user list twice').to.equal(1);
    const kicked = cytube.log.filter(
      (e) => e.event === 'kick' && JSON.stringify(e.data).includes('Duplicate'),
    );
    expect(kicked, 'no duplicate-login kick').to.deep.equal([]);
    for (const n of sent) expect(answers(n), `!roll 1d6+${n} answered at most once`).to.be.at.most(1);
    // Every line said once the new leader was in: answered.
    for (let n = back + 1; n <= i; n++) expect(answers(n), `!roll 1d6+${n}`).to.equal(1);
  });
});
