import { z } from '../zod.js';

/**
 * Channel happenings every platform publishes in one shape (`rosey.events.user.*`, `media.*`,
 * `playlist.*`), so a plugin reacting to "someone joined" does not care which platform it runs on.
 */
const base = {
  platform: z.string().min(1).max(32),
  channel: z.string().max(100),
  /** Epoch ms when the connector saw it. */
  time: z.number(),
};

export const userJoinSchema = z.object({ ...base, user: z.string(), rank: z.number() });
export const userLeaveSchema = z.object({ ...base, user: z.string() });
export const userRankSchema = z.object({
  ...base,
  user: z.string(),
  rank: z.number(),
  previous: z.number().optional(),
});
export const userAfkSchema = z.object({ ...base, user: z.string(), afk: z.boolean() });

/** Most users one `user.list` event names (a connector keeps no more of a channel's list). */
export const MAX_LISTED_USERS = 5000;
/**
 * Who was already in the channel when the bot (re)entered it, the bot left out: sent once per
 * entry, before the joins and leaves that follow it. Users who came and went while the bot was
 * away are simply not in it.
 */
export const userListSchema = z.object({
  ...base,
  users: z.array(z.object({ user: z.string(), rank: z.number() })).max(MAX_LISTED_USERS),
  /** The channel had more users than one event holds: someone not listed may still be there. */
  partial: z.boolean().optional(),
});

export const mediaSchema = z.object({
  type: z.string(),
  id: z.string(),
  title: z.string(),
  /** 0 for live streams. */
  seconds: z.number(),
});
export type Media = z.infer<typeof mediaSchema>;

export const playlistItemSchema = z.object({
  uid: z.number(),
  media: mediaSchema,
  queuedBy: z.string(),
  temp: z.boolean(),
});
export type PlaylistItem = z.infer<typeof playlistItemSchema>;

export const mediaChangeSchema = z.object({ ...base, media: mediaSchema });
export const playlistAddSchema = z.object({
  ...base,
  item: playlistItemSchema,
  /** uid of the item it follows, or `"prepend"`. */
  after: z.union([z.number(), z.literal('prepend')]),
});
export const playlistDeleteSchema = z.object({ ...base, uid: z.number() });
export const playlistMoveSchema = z.object({
  ...base,
  uid: z.number(),
  after: z.union([z.number(), z.literal('prepend')]),
});
/** The whole playlist was (re)sent, e.g. after joining: listeners should resync. */
export const playlistResetSchema = z.object({ ...base, count: z.number() });

export type UserJoin = z.infer<typeof userJoinSchema>;
export type UserLeave = z.infer<typeof userLeaveSchema>;
export type UserRank = z.infer<typeof userRankSchema>;
export type UserAfk = z.infer<typeof userAfkSchema>;
export type UserList = z.infer<typeof userListSchema>;
export type MediaChange = z.infer<typeof mediaChangeSchema>;
export type PlaylistAdd = z.infer<typeof playlistAddSchema>;
export type PlaylistDelete = z.infer<typeof playlistDeleteSchema>;
export type PlaylistMove = z.infer<typeof playlistMoveSchema>;
export type PlaylistReset = z.infer<typeof playlistResetSchema>;
