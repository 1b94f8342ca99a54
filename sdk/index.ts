/** The plugin SDK: everything a plugin author imports. See docs/plugin-sdk.md. */
export { definePlugin } from './define-plugin.js';
export { escapeLike, StorageClient, StorageError } from './storage-client.js';
export { ActionError, PluginActions, type Media, type Where } from './plugin-actions.js';
export type { Filter, Row, SearchOptions } from './storage-client.js';
export type {
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
