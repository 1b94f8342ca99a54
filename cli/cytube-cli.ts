import type { z } from '../contract/zod.js';
import { roseyRequest, type ControlTarget } from '../app/control-client.js';
import { statusReplySchema, type TreeNode } from '../contract/messages/control.js';
import { subjects } from '../contract/subjects.js';
import { targetFor } from './config-flags.js';

/**
 * One request to the running Rosey's CyTube connector. Failures become one line: Rosey not
 * running, no connector configured, a node of a cluster that is the channel's standby, or the
 * connector's own refusal.
 */
export async function cytubeRequest<S extends z.ZodType>(
  flags: { config?: string; 'data-dir'?: string; 'nats-url'?: string },
  subject: (platform: string) => string,
  reply: S,
  fail: (message: string) => never,
): Promise<z.output<S>> {
  const target = targetFor(flags, fail);
  const result = await roseyRequest(target, subject('cytube'), {}, { reply });
  if (result.ok) return result.data;
  if (result.error.code === 'NO_RESPONDERS') fail(await whyNoConnector(target));
  return fail(result.error.message);
}

/**
 * Nobody answers for CyTube: the tree says whether a connector is configured at all, and on a node
 * of a cluster whether it waits as the channel's standby (docs/guides/SCALING.md).
 */
async function whyNoConnector(target: ControlTarget): Promise<string> {
  const status = await roseyRequest(target, subjects.control('status'), {}, { reply: statusReplySchema });
  const cytube = status.ok ? findChild(status.data.tree, ['connectors', 'cytube']) : undefined;
  if (cytube?.info?.lease === 'standby')
    return 'this node is a standby for the CyTube channel: its connector runs on the node holding the lease (rosey status --cluster lists the nodes)';
  if (cytube) return `the CyTube connector is not running here (${cytube.status}); rosey status says more`;
  return 'this Rosey has no CyTube connector (platforms.cytube is not in its configuration)';
}

const findChild = (node: TreeNode, path: string[]): TreeNode | undefined =>
  path.reduce<TreeNode | undefined>((at, id) => at?.children?.find((c) => c.id === id), node);
