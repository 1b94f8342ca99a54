import { statusReplySchema } from '../../contract/messages/control.js';
import { subjects } from '../../contract/subjects.js';
import type { TreeNode } from '../../supervisors/describe-tree.js';
import { roseyRequest, type ControlTarget } from '../control-client.js';
import { failed, ok, skipped, warn, type CheckResult } from './doctor-check.js';

type Node = Pick<TreeNode, 'id' | 'status' | 'lastExit'> & { children?: Node[] };

/** Paths (`plugins/karma`, as `rosey restart` names them) of the nodes in `status`, with their last exit. */
function nodesIn(node: Node, status: Node['status'], path?: string): string[] {
  const own =
    path !== undefined && node.status === status
      ? [`${path}${node.lastExit ? ` (${node.lastExit})` : ''}`]
      : [];
  return [
    ...own,
    ...(node.children ?? []).flatMap((child) =>
      nodesIn(child, status, path ? `${path}/${child.id}` : child.id),
    ),
  ];
}

/** The running Rosey answers, and no actor of its tree has failed or is restarting. */
export async function checkRunning(
  running: (ControlTarget & { pid: number }) | undefined,
  timeoutMs: number,
): Promise<CheckResult> {
  if (!running) return skipped('running rosey', 'not running');
  const status = await roseyRequest(
    running,
    subjects.control('status'),
    {},
    { reply: statusReplySchema, timeoutMs },
  );
  if (!status.ok)
    return failed(
      'running rosey',
      `pid ${running.pid} does not answer: ${status.error.message}`,
      'look at its log (data/logs/rosey.log); rosey stop, then start it again',
    );
  const tree = status.data.tree as Node;
  const down = nodesIn(tree, 'failed');
  if (down.length > 0) {
    const plugin = /^plugins\/([^/ ]+)/.exec(down[0]!)?.[1];
    return failed(
      'running rosey',
      `pid ${running.pid}: failed: ${down.join(', ')}`,
      plugin
        ? `rosey plugin info ${plugin} says why; fix it, then rosey plugin reload ${plugin}`
        : 'the log says why (rosey status shows the tree); rosey stop, then start it again',
    );
  }
  const restarting = nodesIn(tree, 'restarting');
  if (restarting.length > 0)
    return warn(
      'running rosey',
      `pid ${running.pid}: restarting: ${restarting.join(', ')}`,
      'rosey status again in a moment; the log says why',
    );
  return ok('running rosey', `pid ${running.pid}, version ${status.data.version}, every actor running`);
}
