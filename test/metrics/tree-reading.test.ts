import { expect } from 'chai';
import { readTree } from '../../actors/metrics/tree-reading.js';
import type { TreeNode } from '../../supervisors/describe-tree.js';

const tree = (connectors: TreeNode[]): TreeNode => ({
  id: 'rosey',
  kind: 'supervisor',
  status: 'running',
  restarts: 0,
  children: [{ id: 'connectors', kind: 'supervisor', status: 'running', restarts: 0, children: connectors }],
});
const cytube = (info: TreeNode['info']): TreeNode => ({
  id: 'cytube',
  kind: 'worker',
  status: 'running',
  restarts: 0,
  info,
});

describe('metrics: the connectors read from the tree', () => {
  it('a CyTube bot in its channel is wanted and up; a halted one neither', () => {
    expect(readTree(tree([cytube({ state: 'ready' })])).connectors).to.deep.equal([
      { name: 'cytube', state: 'ready', wanted: true, up: true },
    ]);
    expect(readTree(tree([cytube({ state: 'halted' })])).connectors).to.deep.equal([
      { name: 'cytube', state: 'halted', wanted: false, up: false },
    ]);
  });

  // A review found every standby node counted as a bot in the channel (no `state` at all), and a node
  // that lost the lease still saying the `ready` of its last connector.
  it("a cluster node's standby is where it should be (ready for /ready) but not up (no bot through it)", () => {
    expect(readTree(tree([cytube({ lease: 'standby', state: 'standby' })])).connectors).to.deep.equal([
      { name: 'cytube', state: 'standby', wanted: true, up: false },
    ]);
  });

  it('a connector that says nothing of itself is read from its status', () => {
    const console: TreeNode = { id: 'console', kind: 'worker', status: 'running', restarts: 0 };
    expect(readTree(tree([console])).connectors).to.deep.equal([
      { name: 'console', state: 'running', wanted: true, up: true },
    ]);
  });
});
