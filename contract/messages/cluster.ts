import { z } from 'zod';

/**
 * Several Rosey nodes on one NATS cluster (docs/guides/SCALING.md): what a node announces on
 * `rosey.cluster.node.<node>.heartbeat`, answers on `rosey.cluster.info`, and what
 * `rosey.control.cluster.status` gathers from them all for `rosey status --cluster`.
 */

/** Who a node is: `instance` tells two processes that took the same name apart. */
export const nodeHeartbeatSchema = z.looseObject({
  node: z.string(),
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
