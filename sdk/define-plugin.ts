import type { Logger } from '../contract/log.js';
import type { PluginEventName, PluginEventPayloads } from '../contract/messages/plugin-events.js';
import type { PluginActions } from './plugin-actions.js';
import type { StorageClient } from './storage-client.js';

/** What every handler gets, a command's or an event's: config, log, storage, actions. */
interface PluginScope {
  /** `plugins.settings.<name>.config` from Rosey's configuration, as `start` got it. */
  config: Record<string, unknown>;
  log: Logger;
  /** The plugin's key-value store, tables and migrations (see docs/storage.md). */
  kv: StorageClient['kv'];
  rows: StorageClient['rows'];
  migrations: StorageClient['migrations'];
  /** Records `<plugin>.<action>` on `target` in Rosey's audit log. */
  audit(action: string, target: string, detail?: Record<string, unknown>): Promise<void>;
  /**
   * Actions beyond a reply, aimed at the command's or event's platform and channel by default;
   * each needs its capability in the manifest (docs/permissions.md).
   */
  chat: PluginActions['chat'];
  playlist: PluginActions['playlist'];
  users: PluginActions['users'];
  channelView: PluginActions['channelView'];
}

/** What a command handler gets: who asked, where, and what they typed. */
export interface CommandContext extends PluginScope {
  /** The command's primary name (aliases are resolved by the router). */
  command: string;
  /** Whitespace-separated arguments. */
  args: string[];
  /** Everything after the command name, as typed. */
  argText: string;
  user: string;
  /** Platform rank of the user (CyTube scale: 0 guest, 1 registered, 2 moderator, 3 admin, 4+ owner). */
  rank: number;
  channel: string;
  platform: string;
  /** The command came in a private message; replies go back privately. */
  private: boolean;
  /**
   * Records `<plugin>.<action>` on `target` in Rosey's audit log (docs/storage.md#audit-records).
   * The command's `user`, `platform` and `channel` are added to `detail`, over any keys of the same
   * name, so a record says who ran the command (made by the plugin's own code: not a proof).
   */
  audit(action: string, target: string, detail?: Record<string, unknown>): Promise<void>;
}

/** A reply: plain text for the channel, or text to send privately to the user. */
export type CommandResult = string | { text: string; private?: boolean } | undefined | void;

export interface CommandDefinition {
  /** Usage without the prefix, e.g. `roll [N]d<S>[+|-M]`. Shown by `!help roll`. */
  usage: string;
  description?: string;
  /** Lowest rank allowed to run it. Default 0 (everyone). */
  minRank?: number;
  /** Per-user cooldown in ms; the router's default when omitted. */
  cooldownMs?: number;
  aliases?: string[];
  run(ctx: CommandContext): CommandResult | Promise<CommandResult>;
}

/** What `start` gets: the plugin's identity, its log, and its configuration from Rosey's config file. */
export interface PluginContext {
  name: string;
  version: string;
  generation: number;
  config: Record<string, unknown>;
  log: Logger;
  kv: StorageClient['kv'];
  rows: StorageClient['rows'];
  migrations: StorageClient['migrations'];
  /** Records `<plugin>.<action>` on `target` in Rosey's audit log (docs/storage.md#audit-records). */
  audit(action: string, target: string, detail?: Record<string, unknown>): Promise<void>;
  /** Actions on Rosey's first platform (or another: `actions.in({ platform })`); see docs/permissions.md. */
  actions: PluginActions;
  chat: PluginActions['chat'];
  playlist: PluginActions['playlist'];
  users: PluginActions['users'];
  channelView: PluginActions['channelView'];
}

/**
 * What an event handler gets besides the event: the plugin's config, log and storage, and actions
 * aimed at the event's platform and channel (each needing its capability, like a command's).
 */
export interface EventContext extends PluginScope {
  /** Which event this is (`message`, `join`, …). */
  event: PluginEventName;
}

/** A handler of one channel event; runs one at a time, in the order the events came. */
export type EventHandler<E extends PluginEventName> = (
  event: PluginEventPayloads[E],
  ctx: EventContext,
) => void | Promise<void>;

/** Handlers by event name; each needs its capability in the manifest (docs/plugin-sdk.md#events). */
export type EventHandlers = { [E in PluginEventName]?: EventHandler<E> };

/** What a command list made from the configuration gets (`commands: ({ config }) => ({ … })`). */
export interface CommandsContext {
  config: Record<string, unknown>;
}

export interface PluginDefinition {
  /** Must equal the `name` in manifest.yaml. */
  name: string;
  /**
   * The commands, or a function making them from the plugin's configuration (e.g. a cooldown the
   * operator sets); it runs once, before `start`.
   */
  commands: Record<string, CommandDefinition> | ((ctx: CommandsContext) => Record<string, CommandDefinition>);
  /**
   * Channel events the plugin handles: chat lines (`message`, `pm`: capability `events.chat`),
   * users (`present`, `join`, `leave`, `rank`, `afk`: `events.users`), media (`media`, `playlist`:
   * `events.media`). They start arriving after `start` (and a reload's `restore`) has finished.
   */
  events?: EventHandlers;
  /** Runs before the plugin announces its commands; throwing here fails the plugin's start. */
  start?(ctx: PluginContext): void | Promise<void>;
  /** Runs on a graceful stop, after in-flight commands have finished. */
  stop?(): void | Promise<void>;
  /**
   * Asked on every health check, and before a reload switches commands to this generation:
   * `false` (or a throw) means unhealthy, and a reload then keeps the old generation serving.
   */
  health?(): boolean | Promise<boolean>;
  /**
   * State to hand to the next generation on a reload (any JSON, under 1 MiB). With it, a reload
   * holds the plugin's new commands, lets the old generation finish the ones it has, takes its
   * snapshot and gives it to the new generation's `restore` before the held commands go there: no
   * command sees state the other generation changed.
   */
  snapshot?(): unknown;
  /** Takes the previous generation's `snapshot` (before any command); throwing fails the reload. */
  restore?(state: unknown): void | Promise<void>;
  /**
   * After its `snapshot`, the reload did not go through (the new generation could not restore, or
   * went down during the grace period): this generation serves on. Restart what `snapshot` stopped
   * (timers): a generation should stop acting on state it has handed over until it knows.
   */
  resume?(): void | Promise<void>;
}

/** The plugin's commands, made from its configuration when it declares them as a function. */
export function commandsOf(
  plugin: Pick<PluginDefinition, 'commands'>,
  config: Record<string, unknown>,
): Record<string, CommandDefinition> {
  return typeof plugin.commands === 'function' ? plugin.commands({ config }) : plugin.commands;
}

const BRAND = Symbol.for('rosey.plugin');

export type BrandedPlugin = PluginDefinition & { readonly [BRAND]: true };

/** Declares a plugin. The module's default export must be the value this returns. */
export function definePlugin(definition: PluginDefinition): BrandedPlugin {
  return Object.freeze({ ...definition, [BRAND]: true as const });
}

export function isPlugin(value: unknown): value is BrandedPlugin {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
