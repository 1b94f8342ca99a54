import { expect } from 'chai';
import {
  clusterReloadReplySchema,
  clusterStatusReplySchema,
  type ClusterStatusReply,
} from '../../contract/messages/cluster.js';
import { sharedPostgres } from '../support/databases.js';
import { eventually } from '../support/nats.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { startRoseyNode, type RoseyNode } from '../support/rosey-node.js';

/** `rosey status --cluster --json` on one node, checked against the contract. */
async function clusterStatus(node: RoseyNode): Promise<ClusterStatusReply | undefined> {
  const result = await node.cli(['status', '--cluster', '--json']);
  if (result.code !== 0) return undefined;
  return clusterStatusReplySchema.parse(JSON.parse(result.stdout));
}

const answered = (status: ClusterStatusReply | undefined) =>
  (status?.nodes ?? []).filter((n) => n.answered).map((n) => n.node);

describe('cluster: two nodes on a three-server NATS cluster (real processes)', function () {
  this.timeout(180_000);
  let cluster: NatsCluster;
  const nodes: RoseyNode[] = [];

  before(async () => {
    cluster = await startNatsCluster(3);
    const pg = await sharedPostgres();
    const database = `rosey_cluster_${process.pid}`;
    pg.createDatabase(database);
    // One after the other here; both at once on an empty database is the migrations test's.
    for (const name of ['a', 'b'])
      nodes.push(await startRoseyNode({ name, databaseUrl: pg.url(database), clusterUrls: cluster.urls }));
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await cluster?.stop();
  });

  it('rosey status --cluster on either node lists both, with their plugins and versions', async () => {
    for (const node of nodes) {
      const status = await eventually(
        async () => {
          const s = await clusterStatus(node);
          return answered(s).length === 2 ? s : undefined;
        },
        `both nodes in node ${node.name}'s status`,
        30_000,
      );
      expect(status.self).to.equal(node.name);
      expect(status.nodes.map((n) => n.node)).to.deep.equal(['a', 'b']);
      for (const entry of status.nodes) {
        if (!entry.answered) throw new Error(`${entry.node} did not answer`);
        expect(entry.info.pid).to.equal(nodes.find((n) => n.name === entry.node)!.pid);
        expect(entry.info.tree.running).to.equal(entry.info.tree.actors);
        expect(entry.info.plugins?.map((p) => p.name)).to.include('dice');
      }
    }
    const text = await nodes[0]!.cli(['status', '--cluster']);
    expect(text.stdout).to.match(/^2 nodes, 2 answered$/m);
    expect(text.stdout).to.match(/^node a \(this one\) {2}Rosey .* pid \d+/m);
    expect(text.stdout).to.match(/^node b {2}Rosey /m);
  });

  it('a killed nats-server costs a node no more than a reconnect: both still listed, nothing restarted', async () => {
    // The server node a's cluster connection is on: the one that makes it reconnect.
    let victim: string | undefined;
    await eventually(async () => {
      for (const server of cluster.servers)
        if (server.process && (await cluster.clients(server.name)).includes('rosey-cluster-a'))
          victim = server.name;
      return victim;
    }, "the server node a's cluster connection is on");
    await cluster.kill(victim!);
    await eventually(
      async () => {
        for (const server of cluster.servers)
          if (server.process && (await cluster.clients(server.name)).includes('rosey-cluster-a')) return true;
        return false;
      },
      'node a reconnected to another server',
      15_000,
    );
    for (const node of nodes) {
      await eventually(
        async () => answered(await clusterStatus(node)).length === 2,
        `both nodes in ${node.name}'s status`,
        30_000,
      );
      // No restart anywhere in its tree: the reconnect happened inside the cluster actor's client.
      const status = JSON.parse((await node.cli(['status', '--json'])).stdout) as {
        tree: {
          children?: { id: string; restarts: number; children?: { id: string; restarts: number }[] }[];
        };
      };
      const services = status.tree.children?.find((c) => c.id === 'services');
      expect(services?.children?.find((c) => c.id === 'cluster')?.restarts).to.equal(0);
    }
  });

  it('rosey plugin reload dice --cluster reloads it on each node in turn; a failure stops the roll there', async () => {
    const before = await clusterStatus(nodes[1]!);
    expect(answered(before)).to.deep.equal(['a', 'b']);
    const rolled = await nodes[1]!.cli(['plugin', 'reload', 'dice', '--cluster', '--json']);
    expect(rolled.code, rolled.stderr).to.equal(0);
    const outcome = clusterReloadReplySchema.parse(JSON.parse(rolled.stdout));
    expect(outcome.complete).to.equal(true);
    expect(outcome.steps.map((s) => [s.node, s.outcome])).to.deep.equal([
      ['a', 'reloaded'],
      ['b', 'reloaded'],
    ]);
    for (const step of outcome.steps)
      if (step.outcome === 'reloaded')
        expect(step.reload.to.generation).to.be.greaterThan(step.reload.from.generation);

    // A plugin node a does not run: a fails, b is left alone, and the command says so with exit 1.
    const failed = await nodes[1]!.cli(['plugin', 'reload', 'nosuch', '--cluster']);
    expect(failed.code).to.equal(1);
    expect(failed.stdout).to.match(/^node a: failed: .*nosuch/m);
    expect(failed.stdout).to.match(/^node b: not reloaded \(stopped at the failure above\)$/m);
  });

  it('a node that stops answering is listed as silent, not dropped', async () => {
    const b = nodes[1]!;
    process.kill(b.pid, 'SIGSTOP');
    try {
      const status = await eventually(
        async () => {
          const s = await clusterStatus(nodes[0]!);
          return s?.nodes.find((n) => n.node === 'b' && !n.answered) ? s : undefined;
        },
        'node b listed as not answering',
        30_000,
      );
      expect(answered(status)).to.deep.equal(['a']);
      const text = await nodes[0]!.cli(['status', '--cluster']);
      expect(text.stdout).to.match(/^node b {2}did not answer in time \(last heard .* ago\)$/m);
    } finally {
      process.kill(b.pid, 'SIGCONT');
    }
  });
});
