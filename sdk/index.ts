/** The plugin SDK: everything a plugin author imports. See docs/plugin-sdk.md. */
export { definePlugin } from './define-plugin.js';
export { escapeLike, StorageClient, StorageError } from './storage-client.js';
export { ActionError, PluginActions, type Media, type Where } from './plugin-actions.js';
export type { Filter, Row, SearchOptions } from './storage-client.js';
export type {
  EventFigures,
  PlaylistEvent,
  PluginEventName,
  PluginEventPayloads,
} from '../contract/messages/plugin-events.js';
export type { ChatMessage } from '../contract/messages/chat.js';
export type { ChannelView } from '../contract/messages/actions.js';
export type {
  Media as MediaInfo,
  MediaChange,
  PlaylistItem,
  UserAfk,
  UserJoin,
  UserLeave,
  UserRank,
} from '../contract/messages/channel-events.js';
export type {
  CommandsContext,
  EventContext,
  EventHandler,
  EventHandlers,
  CommandContext,
  CommandDefinition,
  CommandResult,
  PluginContext,
  PluginDefinition,
} from './define-plugin.js';
export type { Logger } from '../contract/log.js';
export type { ErrorCode } from '../contract/result.js';
export {
  MEDIA_TYPES,
  mediaUrl,
  parseMediaLink,
  type MediaRef,
  type MediaType,
} from '../contract/media/media-link.js';
