import { z } from '../zod.js';
import { mediaSchema, playlistItemSchema } from './channel-events.js';
import { needsOneMediaRef, playlistAddFields } from './playlist-commands.js';

/**
 * Payloads of `rosey.actions.<plugin>.<action>`: what a plugin does on its own. `platform` says
 * which connector carries it out; absent, the first platform Rosey runs (docs/permissions.md).
 */
const where = { platform: z.string().min(1).max(32).optional(), channel: z.string().max(100).optional() };

export const actionSchemas = {
  'chat.send': z.object({ ...where, text: z.string().min(1).max(10_000) }).strict(),
  'chat.pm': z
    .object({ ...where, to: z.string().min(1).max(100), text: z.string().min(1).max(10_000) })
    .strict(),
  'playlist.add': playlistAddFields.extend({ platform: where.platform }).superRefine(needsOneMediaRef),
  'playlist.delete': z.object({ ...where, uid: z.number().int().min(0) }).strict(),
  'playlist.move': z
    .object({
      ...where,
      uid: z.number().int().min(0),
      after: z.union([z.number().int().min(0), z.literal('prepend')]),
    })
    .strict(),
  'playlist.jump': z.object({ ...where, uid: z.number().int().min(0) }).strict(),
  'users.kick': z
    .object({ ...where, user: z.string().min(1).max(100), reason: z.string().max(200).optional() })
    .strict(),
  'users.afk': z.object({ ...where, afk: z.boolean().optional() }).strict(),
  'channel.read': z.object(where).strict(),
} as const;

/** `rosey.platform.<p>.view` (req): the gate's `channel.read` without its `platform`. */
export const viewRequestSchema = z.object({ channel: where.channel }).strict();
export type ViewRequest = z.infer<typeof viewRequestSchema>;

/**
 * The answer to `channel.read` (`rosey.platform.<p>.view`): the channel as the bot sees it now, in a
 * shape every platform can fill. `state` is the connector's (`ready` when the bot is in the
 * channel; otherwise the lists are what it last saw, possibly empty).
 */
export const channelViewSchema = z.object({
  platform: z.string(),
  channel: z.string(),
  state: z.string(),
  /** The bot's own name and rank there. */
  self: z.object({ name: z.string(), rank: z.number() }),
  users: z.array(z.object({ name: z.string(), rank: z.number(), afk: z.boolean() })),
  /** In play order. */
  playlist: z.array(playlistItemSchema),
  /** uid of the item playing, if any. */
  current: z.number().nullable(),
  media: mediaSchema.nullable(),
  /** Only users allowed to edit a locked playlist may change it. */
  playlistLocked: z.boolean(),
});
export type ChannelView = z.infer<typeof channelViewSchema>;

/** `rosey.platform.<p>.send.kick` */
export const sendKickSchema = z
  .object({
    channel: z.string().max(100).optional(),
    user: z.string().min(1).max(100),
    reason: z.string().max(200).optional(),
  })
  .strict();
export type SendKick = z.infer<typeof sendKickSchema>;

/** `rosey.platform.<p>.send.afk`: the bot AFK (`true`), back (`false`), or the other way round (absent). */
export const sendAfkSchema = z
  .object({ channel: z.string().max(100).optional(), afk: z.boolean().optional() })
  .strict();
export type SendAfk = z.infer<typeof sendAfkSchema>;

/** `rosey.security.violation`: an action a plugin was not allowed to take. */
export const securityViolationSchema = z.object({
  plugin: z.string(),
  /** The action or subject it tried (`users.kick`, or a NATS subject when the server refused it). */
  action: z.string(),
  /** The capability it would have needed, when known. */
  capability: z.string().optional(),
  reason: z.string(),
  /**
   * Who stopped it: the NATS server (its permissions), the action gate, the bus bridge (a request
   * whose reply subject was not the plugin's own inbox; `action` is that reply subject), or the
   * plugin manager (an announcement for a generation Rosey did not start).
   */
  source: z.enum(['nats', 'gate', 'bus', 'plugin-manager']),
  time: z.number(),
});
export type SecurityViolation = z.infer<typeof securityViolationSchema>;
