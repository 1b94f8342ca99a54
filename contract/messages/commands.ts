import { z } from '../zod.js';
import { PLUGIN_NAME } from '../subjects.js';

export const COMMAND_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** One command as a plugin declares it. */
export const commandInfoSchema = z.object({
  name: z.string().regex(COMMAND_NAME),
  usage: z.string().max(200),
  description: z.string().max(300).default(''),
  /** Lowest platform rank allowed to run it. */
  minRank: z.number().finite().default(0),
  /** Per-user cooldown; the router's default applies when absent. */
  cooldownMs: z.number().int().min(0).max(86_400_000).optional(),
  aliases: z.array(z.string().regex(COMMAND_NAME)).max(10).default([]),
});
export type CommandInfo = z.infer<typeof commandInfoSchema>;

/** `rosey.plugins.<plugin>.<gen>.ready`: a plugin generation is up and serving these commands. */
export const pluginAnnouncementSchema = z.object({
  plugin: z.string().regex(PLUGIN_NAME),
  generation: z.number().int().min(1),
  version: z.string().max(64),
  pid: z.number().int(),
  commands: z.array(commandInfoSchema).max(200),
  /** The plugin can hand its state to its next generation (`snapshot`), and take it (`restore`). */
  handoff: z.object({ snapshot: z.boolean(), restore: z.boolean() }).optional(),
});
export type PluginAnnouncement = z.infer<typeof pluginAnnouncementSchema>;

/** `rosey.plugins.<plugin>.<gen>.down` */
export const pluginDownSchema = z.object({
  plugin: z.string().regex(PLUGIN_NAME),
  generation: z.number().int().min(1),
  reason: z.string().max(500),
});
export type PluginDown = z.infer<typeof pluginDownSchema>;

/** `rosey.commands.<plugin>.execute` request. */
export const executeRequestSchema = z.object({
  command: z.string().regex(COMMAND_NAME),
  args: z.array(z.string().max(2000)).max(100),
  /** Everything after the command name, as typed (trimmed). */
  argText: z.string().max(2000),
  user: z.string().max(100),
  rank: z.number().finite(),
  channel: z.string().max(100),
  platform: z.string().max(32),
  /** The command came in a private message. */
  private: z.boolean(),
});
export type ExecuteRequest = z.infer<typeof executeRequestSchema>;

/** Data of a successful `execute` reply. */
export const executeReplySchema = z.object({
  text: z.string().max(10_000).optional(),
  /** Send the reply as a private message to the user instead of to the channel. */
  private: z.boolean().optional(),
});
export type ExecuteReply = z.infer<typeof executeReplySchema>;
