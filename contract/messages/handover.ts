import { z } from '../zod.js';
import { chatMessageSchema } from './chat.js';
import { NODE_NAME } from './cluster.js';

/**
 * What a node that takes a channel over needs to know of the lines its previous holder dealt with
 * (docs/guides/SCALING.md, "Lines said during a failover"). Identities are the platform's own: a
 * line is its user, the platform's `time` for it and its text, which a replay of the channel's
 * history shows again unchanged. (Only the takeover's two-minute window compares the platform's
 * times with the node's clock.)
 */

/** A line's text is recorded up to this length (compared so cut on both sides). */
export const MAX_RECORDED_LINE = 2000;

/** The longest reply a record carries: longer replies are recorded as given but not sent again. */
export const MAX_RECORDED_REPLY = 2000;

/**
 * `rosey.router.handled` (pub, node-local, router → cluster link): a command line the router
 * answered, published just before its answer; or, `reply` absent, one it dealt with silently.
 */
export const handledLineSchema = z.object({
  platform: z.string().min(1).max(32),
  channel: z.string().max(100),
  user: z.string().max(100),
  /** The platform's time of the line (epoch ms), as its history shows it. */
  time: z.number(),
  text: z.string().max(MAX_RECORDED_LINE),
  reply: z.object({ text: z.string().max(MAX_RECORDED_REPLY), private: z.boolean() }).optional(),
});
export type HandledLine = z.infer<typeof handledLineSchema>;

/**
 * `rosey.platform.<platform>.joined` (pub, node-local, connector → cluster link): the connector is
 * in its channel for a new session; `history` is what the platform replayed on joining (CyTube: up
 * to 15 lines), oldest first.
 */
export const channelJoinedSchema = z.object({
  platform: z.string().min(1).max(32),
  channel: z.string().max(100),
  history: z.array(chatMessageSchema).max(100),
});
export type ChannelJoined = z.infer<typeof channelJoinedSchema>;

/** `rosey.cluster.handover.<node>` (pub, cluster): one node's records, for whoever takes over from it. */
export const handoverRecordSchema = z.discriminatedUnion('kind', [
  /**
   * The node joined the channel; lines the platform timed after `after` are its to answer. `term`
   * counts the channel's holders (one more than the holder before it, as this node knew it), so a
   * late or repeated record of an older session never passes for the latest.
   */
  z.object({
    kind: z.literal('session'),
    node: z.string().regex(NODE_NAME),
    platform: z.string().min(1).max(32),
    channel: z.string().max(100),
    after: z.number(),
    // A node of the version before terms sends none: its session counts as the lowest.
    term: z.number().int().min(0).default(0),
  }),
  handledLineSchema.extend({ kind: z.literal('handled'), node: z.string().regex(NODE_NAME) }),
]);
export type HandoverRecord = z.infer<typeof handoverRecordSchema>;

/** Handled records a node gives in a sync answer at most (with every channel's latest session). */
export const MAX_SYNC_RECORDS = 100;

/**
 * A node's answer on `rosey.cluster.sync.handover` (scatter-gather, asked by a node that has just
 * reached the cluster, e.g. after a restart): what it knows of the channels' sessions and their
 * latest handled lines, so the asker can take a channel over without having heard them live.
 */
export const handoverSyncReplySchema = z.object({
  node: z.string().regex(NODE_NAME),
  // Every channel's latest session (at most MAX_SESSIONS in actors/cluster/handover-journal.ts) and the lines.
  records: z.array(handoverRecordSchema).max(MAX_SYNC_RECORDS + 100),
});
export type HandoverSyncReply = z.infer<typeof handoverSyncReplySchema>;
