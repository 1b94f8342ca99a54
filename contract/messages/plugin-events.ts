import { z } from '../zod.js';
import type { CapabilityName } from '../capabilities.js';
import { chatMessageSchema, type ChatMessage } from './chat.js';
import {
  mediaChangeSchema,
  playlistAddSchema,
  playlistDeleteSchema,
  playlistMoveSchema,
  playlistResetSchema,
  userAfkSchema,
  userJoinSchema,
  userLeaveSchema,
  userListSchema,
  userRankSchema,
  type MediaChange,
  type PlaylistAdd,
  type PlaylistDelete,
  type PlaylistMove,
  type PlaylistReset,
  type UserAfk,
  type UserJoin,
  type UserLeave,
  type UserList,
  type UserRank,
} from './channel-events.js';

/**
 * The channel events a plugin can handle (`definePlugin({ events: { message(e, ctx) {…} } })`):
 * the subjects each one hears, the schema its payload must pass, and the capability that lets the
 * plugin's NATS user subscribe to them (contract/capabilities.ts). A playlist event says which
 * change it is in `kind`, added by the SDK from the subject it came on.
 */
export type PlaylistEvent =
  | ({ kind: 'add' } & PlaylistAdd)
  | ({ kind: 'delete' } & PlaylistDelete)
  | ({ kind: 'move' } & PlaylistMove)
  | ({ kind: 'reset' } & PlaylistReset);

export interface PluginEventPayloads {
  /** A chat line in the channel: commands too, and the bot's own lines (`self`) and the platform's (`system`). */
  message: ChatMessage;
  /** A private message to the bot (or one it sent: `self`). */
  pm: ChatMessage;
  join: UserJoin;
  leave: UserLeave;
  rank: UserRank;
  afk: UserAfk;
  /** Who was already in the channel when the bot (re)entered it (joins only tell who comes after). */
  present: UserList;
  media: MediaChange;
  playlist: PlaylistEvent;
}
export type PluginEventName = keyof PluginEventPayloads;

interface Source {
  subject: string;
  schema: z.ZodType;
  /** `kind` of a playlist event. */
  kind?: PlaylistEvent['kind'];
}

const playlist = (kind: PlaylistEvent['kind'], schema: z.ZodType): Source => ({
  subject: `rosey.events.playlist.${kind}`,
  schema,
  kind,
});

export const PLUGIN_EVENTS: Record<PluginEventName, { capability: CapabilityName; sources: Source[] }> = {
  message: {
    capability: 'events.chat',
    sources: [{ subject: 'rosey.events.message', schema: chatMessageSchema }],
  },
  pm: { capability: 'events.chat', sources: [{ subject: 'rosey.events.pm', schema: chatMessageSchema }] },
  join: {
    capability: 'events.users',
    sources: [{ subject: 'rosey.events.user.join', schema: userJoinSchema }],
  },
  leave: {
    capability: 'events.users',
    sources: [{ subject: 'rosey.events.user.leave', schema: userLeaveSchema }],
  },
  rank: {
    capability: 'events.users',
    sources: [{ subject: 'rosey.events.user.rank', schema: userRankSchema }],
  },
  afk: { capability: 'events.users', sources: [{ subject: 'rosey.events.user.afk', schema: userAfkSchema }] },
  present: {
    capability: 'events.users',
    sources: [{ subject: 'rosey.events.user.list', schema: userListSchema }],
  },
  media: {
    capability: 'events.media',
    sources: [{ subject: 'rosey.events.media.change', schema: mediaChangeSchema }],
  },
  playlist: {
    capability: 'events.media',
    sources: [
      playlist('add', playlistAddSchema),
      playlist('delete', playlistDeleteSchema),
      playlist('move', playlistMoveSchema),
      playlist('reset', playlistResetSchema),
    ],
  },
};

export const PLUGIN_EVENT_NAMES = Object.keys(PLUGIN_EVENTS) as PluginEventName[];

/** Default bound of a plugin's event queue (`plugins.settings.<name>.eventQueue`). */
export const DEFAULT_EVENT_QUEUE = 1000;

/**
 * Default time one event's handler may run before the plugin reports it as still running
 * (`plugins.settings.<name>.eventTimeoutMs`).
 */
export const DEFAULT_EVENT_TIMEOUT_MS = 30_000;

/**
 * `rosey.plugins.<plugin>.<gen>.events` (req): `settle` answers once the generation has handled
 * every event it has (testBot waits on it); `resume` makes a generation that stopped listening for a
 * reload's hand-off listen again (the reload failed, or rolled back), answered once it listens;
 * `release` makes a new generation whose hand-off failed stop listening and handle the events it
 * held for its `restore`, and answers once it has (the reload then stops it: they are not cut short
 * by its stop's grace period).
 */
export const eventsRequestSchema = z.object({ op: z.enum(['settle', 'resume', 'release']) }).strict();
export type EventsRequest = z.infer<typeof eventsRequestSchema>;

/** What a generation's event intake has done, in its health reply and the answer to `events`. */
export const eventFiguresSchema = z.looseObject({
  /** Subscribed to its events (false: none to hear, stopped, or paused for a hand-off). */
  listening: z.boolean(),
  /** Waiting for a reload's `restore` before handling what it hears. */
  held: z.boolean(),
  /** Waiting in the queue now. */
  queued: z.number().int().min(0),
  /** The queue's bound. */
  limit: z.number().int().min(1),
  handled: z.number().int().min(0),
  /** Dropped because the queue was full. */
  dropped: z.number().int().min(0),
  /** The handler threw (or rejected). */
  failed: z.number().int().min(0),
  /** Handlers still running after the timeout (later events waited); each also counts as handled or failed once it ends. */
  timedOut: z.number().int().min(0).default(0),
  /** Not valid JSON or not the event's schema: never reached a handler. */
  invalid: z.number().int().min(0),
});
export type EventFigures = z.infer<typeof eventFiguresSchema>;
