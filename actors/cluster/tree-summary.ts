import type { TreeSummary } from '../../contract/messages/cluster.js';
import type { TreeNode } from '../../supervisors/describe-tree.js';

/** A node's tree in a few figures for `rosey status --cluster`: the whole tree is `rosey status` on it. */
export function summariseTree(root: TreeNode): TreeSummary {
  const summary: TreeSummary = { actors: 0, running: 0, notRunning: [] };
  const walk = (node: TreeNode, path: string) => {
    summary.actors++;
    if (node.status === 'running') summary.running++;
    else summary.notRunning.push(`${path} (${node.status})`);
    for (const child of node.children ?? []) walk(child, `${path}/${child.id}`);
  };
  walk(root, root.id);
  return summary;
}
