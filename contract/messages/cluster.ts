import { z } from '../zod.js';
import { reloadReplySchema } from './plugins.js';
import { PLUGIN_NAME } from '../subjects.js';

/**
 * Several Rosey nodes on one NATS cluster (docs/guides/SCALING.md): what a node announces on
 * `rosey.cluster.node.<node>.heartbeat`, answers on `rosey.cluster.info`, and what
 * `rosey.control.cluster.status` gathers from them all for `rosey status --cluster`.
 */

/** A node's name: a NATS subject token and a word in `rosey status --cluster`. */
export const NODE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Who a node is: `instance` tells two processes that took the same name apart. */
export const nodeHeartbeatSchema = z.looseObject({
  node: z.string().regex(NODE_NAME),
  instance: z.string(),
  pid: z.number(),
  version: z.string(),
});
export type NodeHeartbeat = z.infer<typeof nodeHeartbeatSchema>;

/** The supervision tree in a few figures, and the path of every actor that is not running. */
export const treeSummarySchema = z.looseObject({
  actors: z.number(),
  running: z.number(),
  notRunning: z.array(z.string()),
});
export type TreeSummary = z.infer<typeof treeSummarySchema>;

/** A node's answer on `rosey.cluster.info`. */
export const nodeInfoSchema = nodeHeartbeatSchema.extend({
  startedAt: z.string(),
  uptimeMs: z.number(),
  tree: treeSummarySchema,
  /** As its plugin manager lists them; absent when the plugin manager did not answer (restarting). */
  plugins: z.array(z.looseObject({ name: z.string(), version: z.string(), state: z.string() })).optional(),
});
export type NodeInfo = z.infer<typeof nodeInfoSchema>;

/** `rosey.cluster.info` takes nothing. */
export const clusterInfoRequestSchema = z.looseObject({});

/** One line of `rosey status --cluster`: a node that answered, or one heard lately that did not. */
export const clusterNodeSchema = z.union([
  z.looseObject({ node: z.string(), answered: z.literal(true), info: nodeInfoSchema }),
  z.looseObject({
    node: z.string(),
    answered: z.literal(false),
    /** How long ago its last heartbeat came. */
    lastHeardMs: z.number(),
  }),
]);
export type ClusterNode = z.infer<typeof clusterNodeSchema>;

/** Reply of `rosey.control.cluster.status`: every node, in name order; `self` is the one asked. */
export const clusterStatusReplySchema = z.looseObject({
  self: z.string(),
  nodes: z.array(clusterNodeSchema),
});
export type ClusterStatusReply = z.infer<typeof clusterStatusReplySchema>;

/** `rosey.control.cluster.reload` (node-local) and `rosey.cluster.node.<node>.plugin.reload` (one node). */
export const clusterReloadRequestSchema = z
  .object({ plugin: z.string().regex(PLUGIN_NAME, 'a plugin name') })
  .strict();

/** One node's part in a rolling reload. */
export const reloadStepSchema = z.union([
  z.looseObject({ node: z.string(), outcome: z.literal('reloaded'), reload: reloadReplySchema }),
  z.looseObject({
    node: z.string(),
    outcome: z.literal('failed'),
    error: z.looseObject({ code: z.string(), message: z.string() }),
  }),
  /** After a failure: left as it was. */
  z.looseObject({ node: z.string(), outcome: z.literal('not reached') }),
]);
export type ReloadStep = z.infer<typeof reloadStepSchema>;

/** Reply of `rosey.control.cluster.reload`: the nodes in the order they were reloaded. */
export const clusterReloadReplySchema = z.looseObject({
  plugin: z.string(),
  complete: z.boolean(),
  steps: z.array(reloadStepSchema),
});
export type ClusterReloadReply = z.infer<typeof clusterReloadReplySchema>;
