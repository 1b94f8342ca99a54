import { z } from '../zod.js';
import { mediaSchema, playlistItemSchema } from './channel-events.js';

/**
 * What the connector counts, for `rosey status` and the state subject. A line that could not be
 * sent is never silently lost: it is logged and counted in one of these.
 */
export const countersSchema = z.looseObject({
  /** Server events received. */
  received: z.number(),
  /** Server events ignored because their payload did not have the expected shape. */
  invalid: z.number(),
  /** Lines and playlist actions sent to the server. */
  sent: z.number(),
  /** Of those, how many had to wait for the flood limit. */
  deferred: z.number(),
  /** `cooldown` answers: the server dropped a line despite the pacing. */
  serverDrops: z.number(),
  /** Lines sent again after a server drop. */
  resent: z.number(),
  /** Refused before sending: the bot's rank or mute does not allow it. */
  refused: z.number(),
  /** Given up: too old, queue full, dropped repeatedly, or the connector halted. */
  dropped: z.number(),
  /** The server refused to deliver (PM to someone absent, muted). */
  failed: z.number(),
  reconnects: z.number(),
});
export type Counters = z.infer<typeof countersSchema>;

/**
 * The reply of `rosey.platform.cytube.state`: the connector's view of its channel. Built by the
 * connector, read by `rosey cytube status` and the tests.
 */
export const connectorStateSchema = z.looseObject({
  state: z.enum(['discovering', 'connecting', 'joining', 'ready', 'backing-off', 'halted', 'stopped']),
  /** Why it is not in the channel (or the last trouble), when there is a reason. */
  reason: z.string().nullable(),
  server: z.string(),
  channel: z.string(),
  user: z.string(),
  guest: z.boolean(),
  rank: z.number(),
  users: z.array(z.object({ name: z.string(), rank: z.number(), afk: z.boolean(), muted: z.boolean() })),
  playlist: z.array(playlistItemSchema),
  playlistLocked: z.boolean(),
  current: z.number().nullable(),
  media: mediaSchema.nullable(),
  /** `channelOpts`, the channel password redacted. */
  options: z.record(z.string(), z.unknown()),
  permissions: z.record(z.string(), z.number()),
  /** Items waiting to be sent. */
  queued: z.number(),
  counters: countersSchema,
});
export type ConnectorState = z.infer<typeof connectorStateSchema>;

/** Reply of `rosey.platform.<platform>.rejoin`: the state it was in when asked. */
export const rejoinReplySchema = z.looseObject({
  was: z.looseObject({ state: z.string(), reason: z.string().nullable() }),
});
