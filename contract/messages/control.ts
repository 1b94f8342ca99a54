import { z } from '../zod.js';

/** `rosey.control.stop` */
export const stopRequestSchema = z.object({ reason: z.string().max(200).optional() }).passthrough();

/**
 * `rosey.control.kill`: crash one child of the tree, as its supervisor would see a crash (OTP
 * `exit(Child, kill)`). `path` is the ids from the root down, e.g. `data/storage`.
 */
export const killRequestSchema = z.looseObject({
  path: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\w@.-]+(\/[\w@.-]+)*$/, 'a path of child ids joined by "/", e.g. data/storage'),
  reason: z.string().max(200).optional(),
});
/** Reply of `rosey.control.kill`. */
export const killReplySchema = z.looseObject({ killed: z.string() });

/**
 * `rosey.control.restart`: start a terminated child of the tree again (OTP `restart_child`); `path`
 * as for kill.
 */
export const restartRequestSchema = z.looseObject({ path: killRequestSchema.shape.path });
/** Reply of `rosey.control.restart`: the child is started again. */
export const restartReplySchema = z.looseObject({ restarted: z.string() });

/** Reply of `rosey.control.ping`. */
export const pingReplySchema = z.looseObject({ pid: z.number(), version: z.string() });
/** Reply of `rosey.control.stop`: the tree is stopping (the process exits once it has). */
export const stopReplySchema = z.looseObject({ stopping: z.literal(true), pid: z.number() });

/** One actor of the supervision tree in `rosey status` (supervisors/describe-tree.ts builds it). */
export interface TreeNode {
  id: string;
  kind: 'supervisor' | 'worker';
  /** The supervisor's view: running, restarting, failed, … */
  status: string;
  /** The actor's own state when it is a state machine (e.g. `connected.up`). */
  state?: string;
  restarts: number;
  uptimeMs?: number;
  /** What the actor tells about itself: pid, version, database, … */
  info?: Record<string, string | number | boolean | null>;
  lastExit?: string;
  strategy?: string;
  children?: TreeNode[];
}

export const treeNodeSchema: z.ZodType<TreeNode> = z.lazy(() =>
  z.looseObject({
    id: z.string(),
    kind: z.enum(['supervisor', 'worker']),
    status: z.string(),
    state: z.string().optional(),
    restarts: z.number(),
    uptimeMs: z.number().optional(),
    info: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    lastExit: z.string().optional(),
    strategy: z.string().optional(),
    children: z.array(treeNodeSchema).optional(),
  }),
);

/** Reply of `rosey.control.status`. */
export const statusReplySchema = z.looseObject({
  version: z.string(),
  pid: z.number(),
  startedAt: z.string(),
  uptimeMs: z.number(),
  /** The NATS URL, credentials removed. */
  nats: z.string(),
  tree: treeNodeSchema,
});
export type StatusReply = z.infer<typeof statusReplySchema>;
