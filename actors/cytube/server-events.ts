import { z } from '../../contract/zod.js';
import { MAX_LISTED_USERS } from '../../contract/messages/channel-events.js';

/**
 * Shapes of the CyTube events the connector reads (see ../shared/cytube-protocol.md and the
 * recordings in test/fixtures/cytube-transcripts). Lenient where the server adds fields, strict
 * where the connector depends on a type: a payload that does not match is logged and ignored.
 */
/** A channel's users the connector keeps: all of them fit in one `user.list` event. */
export const MAX_USERS = MAX_LISTED_USERS;
export const MAX_PLAYLIST = 5000;

const meta = z.record(z.string(), z.unknown());

export const userSchema = z
  .object({
    name: z.string().min(1).max(100),
    rank: z.number(),
    meta: z.object({ afk: z.boolean().optional(), muted: z.boolean().optional() }).passthrough().optional(),
  })
  .passthrough();

const mediaSchema = z
  .object({
    id: z.string().max(2000),
    type: z.string().max(8),
    title: z.string().max(1000).catch(''),
    seconds: z.number().catch(0),
  })
  .passthrough();

const itemSchema = z
  .object({
    media: mediaSchema,
    uid: z.number(),
    temp: z.boolean().catch(false),
    queueby: z.string().catch(''),
  })
  .passthrough();

export const serverEventSchemas = {
  rank: z.number(),
  login: z
    .object({
      success: z.boolean(),
      name: z.string().optional(),
      guest: z.boolean().optional(),
      error: z.string().optional(),
    })
    .passthrough(),
  needPassword: z.boolean(),
  kick: z.object({ reason: z.string().catch('') }).passthrough(),
  userlist: z.array(userSchema),
  addUser: userSchema,
  userLeave: z.object({ name: z.string() }).passthrough(),
  setUserRank: z.object({ name: z.string(), rank: z.number() }).passthrough(),
  setAFK: z.object({ name: z.string(), afk: z.boolean() }).passthrough(),
  setUserMeta: z.object({ name: z.string(), meta }).passthrough(),
  chatMsg: z
    .object({ username: z.string(), msg: z.string(), meta: meta.optional(), time: z.number().optional() })
    .passthrough(),
  pm: z
    .object({
      username: z.string(),
      msg: z.string(),
      meta: meta.optional(),
      time: z.number().optional(),
      to: z.string().optional(),
    })
    .passthrough(),
  setPermissions: z.record(z.string(), z.number()),
  channelOpts: z.record(z.string(), z.unknown()),
  setPlaylistLocked: z.boolean(),
  playlist: z.array(itemSchema),
  queue: z.object({ item: itemSchema, after: z.union([z.number(), z.string()]) }).passthrough(),
  queueFail: z
    .object({ msg: z.string().catch(''), link: z.string().optional(), id: z.string().optional() })
    .passthrough(),
  delete: z.object({ uid: z.number() }).passthrough(),
  moveVideo: z.object({ from: z.number(), after: z.union([z.number(), z.string()]) }).passthrough(),
  setCurrent: z.number(),
  changeMedia: mediaSchema,
  setTemp: z.object({ uid: z.number(), temp: z.boolean() }).passthrough(),
  cooldown: z.number(),
  spamFiltered: z.object({ reason: z.string().catch('') }).passthrough(),
  cancelNeedPassword: z.unknown(),
  errorMsg: z.object({ msg: z.string() }).passthrough(),
  noflood: z.object({ action: z.string().optional(), msg: z.string() }).passthrough(),
} as const;

export type ServerEventName = keyof typeof serverEventSchemas;
export type ServerEventData<E extends ServerEventName> = z.infer<(typeof serverEventSchemas)[E]>;
export type ServerUser = z.infer<typeof userSchema>;
export type ServerItem = z.infer<typeof itemSchema>;

/** A server event the connector understands, with its payload checked. */
export type KnownServerEvent = {
  [E in ServerEventName]: { name: E; data: ServerEventData<E> };
}[ServerEventName];

export type ParsedServerEvent =
  { kind: 'known'; event: KnownServerEvent } | { kind: 'unknown' } | { kind: 'invalid'; problem: string };

const isKnown = (name: string): name is ServerEventName => Object.hasOwn(serverEventSchemas, name);

export function parseServerEvent(name: string, data: unknown): ParsedServerEvent {
  if (!isKnown(name)) return { kind: 'unknown' };
  const parsed = serverEventSchemas[name].safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: 'invalid',
      problem: `${issue?.path.join('.') || '(payload)'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { kind: 'known', event: { name, data: parsed.data } as KnownServerEvent };
}
