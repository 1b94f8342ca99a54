import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../support/cli.js';
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
  let config: Record<string, unknown> = {};
  const sql = (query: string) =>
    execFileSync('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-qAtc', query], { encoding: 'utf8' }).trim();
  const bots = () => botsInChannel(cytube);

  before(async () => {
    cluster = await startNatsCluster(3);
    cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', testbot: 'botpass123' },
      // alice is an admin of the channel: quote-db limits users' adds per hour.
      channels: { testchan: { ranks: { alice: 3, testbot: 1 } } },
    });
    const pg = await sharedPostgres();
    const database = `rosey_failover_${process.pid}`;
    pg.createDatabase(database);
    databaseUrl = pg.url(database);
    config = {
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

  it('the standby takes the channel when the leader is killed: every line answered once or refused, no acknowledged write lost', async () => {
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
    // Odd lines roll (each answer names its line), even lines add a quote (a write: its answer is
    // "Quote #N added.", and the row must be in the database after).
    const line = (n: number) => (n % 2 === 1 ? `!roll 1d6+${n}` : `!quote add q${n}-${process.pid}`);
    const botLines = () => channel.chat.filter((l) => l.username === 'testbot').map((l) => l.msg);
    const rolled = (n: number) => botLines().filter((m) => m.startsWith(`alice rolled 1d6+${n}:`)).length;
    const refused = (n: number) =>
      botLines().filter((m) => m.startsWith(`alice: "${line(n)}" got no answer while Rosey moved`)).length;
    let i = 0;
    const say = () => alice!.say(line(++i));
    const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
    // Slow enough that the history CyTube replays to the new bot (15 lines) covers the lines said
    // while no bot was in the channel, and that the bot's answers stay under CyTube's flood limit.
    for (let k = 0; k < 6; k++) {
      say();
      await pause();
    }
    await eventually(() => rolled(5) === 1, 'the leader answering', 10_000);
    leader.kill();
    // Said as the leader dies: no bot can be in the channel yet, so no answer can come; the new
    // leader finds it in the replay with no record, and refuses it.
    say();
    const orphan = i;
    // Chat goes on while the bot is gone and comes back.
    await eventually(
      async () => {
        await pause();
        say();
        return bots() === 1 && (await holdsLease(standby));
      },
      "the standby's connector in the channel",
      30_000,
    );
    const back = i;
    for (let k = 0; k < 6; k++) {
      await pause();
      say();
    }
    if (i % 2 === 0) {
      await pause();
      say();
    }
    const sent = i;
    await eventually(() => rolled(sent) === 1, 'the new leader answering', 10_000);
    // The quote lines before it may still be on their way.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(most, 'the bot was never in the user list twice').to.equal(1);
    const kicked = cytube.log.filter(
      (e) => e.event === 'kick' && JSON.stringify(e.data).includes('Duplicate'),
    );
    expect(kicked, 'no duplicate-login kick').to.deep.equal([]);
    expect(refused(orphan), `"${line(orphan)}", said while no bot was in the channel, refused`).to.equal(1);
    const quotes = sql(`SELECT text FROM quote_db__quotes WHERE text LIKE 'q%-${process.pid}'`)
      .split('\n')
      .filter(Boolean);
    let writes = 0;
    for (let n = 1; n <= sent; n++) {
      if (n % 2 === 1) {
        expect(rolled(n) + refused(n), `"${line(n)}": answered once or refused`).to.equal(1);
        if (n > back) expect(rolled(n), `"${line(n)}", said once the new bot was in`).to.equal(1);
        continue;
      }
      expect(refused(n), `"${line(n)}" refused at most once`).to.be.at.most(1);
      if (refused(n) === 1) continue;
      // Answered, so acknowledged: its row is there, once.
      writes++;
      expect(
        quotes.filter((q) => q === `q${n}-${process.pid}`),
        `the quote of "${line(n)}"`,
      ).to.have.length(1);
    }
    const added = botLines().filter((m) => /^Quote #\d+ added\.$/.test(m));
    expect(added, 'one "Quote #N added." per quote line not refused').to.have.length(writes);
    expect(new Set(added).size, 'each quote its own number').to.equal(added.length);
  });

  // After the test above: the node killed there comes back, knowing nothing of what happened while
  // it was down, and the leader is killed in turn. What it learnt from the other node when it
  // reached the cluster (rosey.cluster.sync.handover) is what it takes the channel over by.
  it('a node started again after a failover takes the channel back by what the other node told it', async () => {
    const channel = cytube.channel('testchan');
    const deadAt = nodes.findIndex((n) => !isAlive(n.pid));
    expect(deadAt, 'the node killed above').to.be.at.least(0);
    const dead = nodes[deadAt]!;
    const back = await startRoseyNode({ name: dead.name, databaseUrl, clusterUrls: cluster.urls, config });
    nodes[deadAt] = back;
    const leader = nodes.find((n) => n !== back)!;
    const log = () => {
      try {
        return readFileSync(join(back.dir, 'data', 'logs', 'rosey.log'), 'utf8');
      } catch {
        return '';
      }
    };
    await eventually(
      () => /learnt \d+ handover records? from /.test(log()),
      'the handover records from the leader',
      30_000,
    );
    const botLines = () => channel.chat.filter((l) => l.username === 'testbot').map((l) => l.msg);
    const line = `!roll 1d6+${1000 + (process.pid % 1000)}`;
    const refusedNow = () =>
      botLines().filter((m) => m.startsWith(`alice: "${line}" got no answer while Rosey moved`)).length;
    leader.kill();
    alice!.say(line);
    await eventually(
      () => refusedNow() === 1,
      `"${line}", said while no bot was in the channel, refused by the node started again`,
      30_000,
    );
    expect(most, 'the bot was never in the user list twice').to.equal(1);
  });
});
