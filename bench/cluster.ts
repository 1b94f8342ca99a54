/**
 * The cluster suite (issue 25, docs/guides/SCALING.md). Three routed nats-servers on loopback, one
 * PostgreSQL, the fake CyTube, and two Rosey nodes (`rosey start --detach --node`), as
 * test/cluster/ starts them. Measures:
 *   1. failover: `kill -9` of the node whose connector is in the channel → the bot back in the
 *      channel's user list from the other node, over 10 kills (3 with --quick); the killed node is
 *      started again as the next standby each time;
 *   2. throughput: `!roll` commands per second through one node's router, then spread over both
 *      nodes (each node's own bus, as two channels would be), with the CPU share of each node's main
 *      process. Both nodes share this machine's cores with each other and with this process.
 */
import { loadavg } from 'node:os';
import { connect, type NatsConnection } from '../contract/nats.js';
import { readRuntimeFile } from '../actors/control/runtime-file.js';
import { sharedPostgres, stopSharedPostgres } from '../test/support/databases.js';
import { startFakeCytube } from '../test/support/fake-cytube/index.js';
import { startNatsCluster } from '../test/support/nats-cluster.js';
import { clusterCytube, startRoseyNode, type RoseyNode } from '../test/support/rosey-node.js';
import { join } from 'node:path';
import { cpuShare, now, sleep, throughput } from './harness.js';
import type { SuiteOptions } from './runtime.js';
import { benchPlatform } from './runtime.js';
import { summarize } from './stats.js';

const load = () => `load ${loadavg()[0]!.toFixed(2)}`;

async function nodeBus(node: RoseyNode): Promise<NatsConnection> {
  const found = readRuntimeFile(join(node.dir, 'data'));
  if (found.kind !== 'running') throw new Error(`node ${node.name} has no runtime file`);
  const { natsUrl, natsUser, natsPass } = found.info;
  return connect({ servers: natsUrl, user: natsUser, pass: natsPass, name: `bench-${node.name}` });
}

async function leaseHolder(nodes: RoseyNode[]): Promise<RoseyNode | undefined> {
  for (const node of nodes) {
    const result = await node.cli(['status', '--json']);
    if (result.code !== 0) continue;
    const tree = (
      JSON.parse(result.stdout) as { tree: { id: string; info?: { lease?: string }; children?: unknown[] } }
    ).tree as { children?: { id: string; children?: { id: string; info?: { lease?: string } }[] }[] };
    const cytube = tree.children
      ?.find((c) => c.id === 'connectors')
      ?.children?.find((c) => c.id === 'cytube');
    if (cytube?.info?.lease === 'held') return node;
  }
  return undefined;
}

export async function clusterSuite({ quick }: SuiteOptions): Promise<void> {
  console.log('\n== cluster: two nodes, three nats-servers, PostgreSQL, the fake CyTube ==');
  const cluster = await startNatsCluster(3);
  const cytube = await startFakeCytube({
    accounts: { testbot: 'botpass123' },
    channels: { testchan: { ranks: { testbot: 1 } } },
  });
  const pg = await sharedPostgres();
  const database = `rosey_bench_cluster_${process.pid}`;
  pg.createDatabase(database);
  const config = {
    router: { defaultCooldownMs: 0 },
    log: { level: 'warn' },
    platforms: clusterCytube(cytube.baseUrl),
  };
  const start = (name: string) =>
    startRoseyNode({ name, databaseUrl: pg.url(database), clusterUrls: cluster.urls, config });
  const nodes: RoseyNode[] = [];
  const channel = cytube.channel('testchan');
  const botIn = () => channel.users().some((u) => u.name === 'testbot');
  try {
    nodes.push(...(await Promise.all(['a', 'b'].map(start))));

    // 1. failover
    const kills = quick ? 3 : 10;
    const samples: number[] = [];
    for (let k = 0; k < kills; k++) {
      let leader: RoseyNode | undefined;
      while (!(botIn() && (leader = await leaseHolder(nodes)))) await sleep(50);
      const t0 = now();
      leader.kill();
      while (botIn()) await sleep(1);
      while (!botIn()) await sleep(1);
      samples.push(now() - t0);
      console.log(
        `  kill ${k + 1}: the bot back in the channel after ${(now() - t0).toFixed(0)} ms (${load()})`,
      );
      // The killed node comes back as the next standby.
      nodes.splice(nodes.indexOf(leader), 1);
      nodes.push(await start(leader.name));
    }
    const s = summarize(samples);
    console.log(
      `failover over ${kills} kills (kill -9 → the bot in the channel again)  p50 ${s.p50.toFixed(0)} ms  max ${s.max.toFixed(0)} ms  (${load()})`,
    );

    // 2. throughput, one node then both
    const seconds = quick ? 3 : 10;
    const buses = await Promise.all(nodes.map(nodeBus));
    const platforms = await Promise.all(buses.map(benchPlatform));
    const pids = Object.fromEntries(nodes.map((n) => [`node ${n.name}`, n.pid]));
    let i = 0;
    const roll = (p: (typeof platforms)[number]) => p.send(`!roll 1d6+${(i++ % 100) + 1}`);
    const [one, oneCpu] = await cpuShare(pids, () =>
      throughput(`!roll through node ${nodes[0]!.name} only`, seconds, () => roll(platforms[0]!), 64),
    );
    console.log(`  cpu: ${oneCpu} (${load()})`);
    const [both, bothCpu] = await cpuShare(pids, async () => {
      const rates = await Promise.all(
        platforms.map((p, n) =>
          throughput(`!roll through node ${nodes[n]!.name} (both at once)`, seconds, () => roll(p), 64),
        ),
      );
      return rates.reduce((a, b) => a + b, 0);
    });
    console.log(`  cpu: ${bothCpu} (${load()})`);
    console.log(
      `two nodes / one node: ${(both / one).toFixed(2)}× (${both.toFixed(0)} vs ${one.toFixed(0)} commands/s)`,
    );
    await Promise.all(buses.map((nc) => nc.close()));
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await cytube.stop();
    await cluster.stop();
    await stopSharedPostgres();
  }
}
