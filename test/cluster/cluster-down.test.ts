import { expect } from 'chai';
import { findFreePort } from '../../process/free-port.js';
import { sharedPostgres } from '../support/databases.js';
import { startRoseyNode, type RoseyNode } from '../support/rosey-node.js';

interface Tree {
  id: string;
  status: string;
  children?: Tree[];
}

/**
 * A node started while its NATS cluster cannot be reached (docs/guides/SCALING.md: the cluster may
 * come up after the node). A review found the node's start waiting for the cluster connection, so
 * the services supervisor gave up after its start timeout and the node did not start at all:
 * during a NATS outage no standby could have been started to take the channel.
 */
describe('cluster: a node starts while the cluster is down', function () {
  this.timeout(120_000);
  let node: RoseyNode | undefined;

  after(async () => {
    await node?.stop();
  });

  it('starts and serves; its cluster actor runs, waiting to join', async () => {
    const pg = await sharedPostgres();
    const database = `rosey_cluster_down_${process.pid}`;
    pg.createDatabase(database);
    // A free port: nobody listens there.
    const nowhere = `nats://127.0.0.1:${await findFreePort()}`;
    node = await startRoseyNode({ name: 'lonely', databaseUrl: pg.url(database), clusterUrls: [nowhere] });
    const status = await node.cli(['status', '--json']);
    expect(status.code, status.stderr).to.equal(0);
    const tree = (JSON.parse(status.stdout) as { tree: Tree }).tree;
    const services = tree.children?.find((c) => c.id === 'services');
    expect(services?.children?.find((c) => c.id === 'cluster')?.status).to.equal('running');
    expect(tree.children?.every((c) => c.status === 'running')).to.equal(true);
    const roll = await node.cli(['status', '--cluster']);
    expect(roll.code).to.equal(1);
  });
});
