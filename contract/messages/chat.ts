import { z } from '../zod.js';

/**
 * The platform of `rosey chat` sessions: terminal chats with a running Rosey from another process,
 * each in a channel of its own (`cli-<id>`), so concurrent sessions never see each other's replies.
 */
export const CHAT_CLIENT_PLATFORM = 'cli';

/** Rank of messages the platform itself sends (CyTube `[server]` lines); never a command. */
export const SYSTEM_RANK = 255;

/** A chat line as every platform publishes it on `rosey.events.message` / `rosey.events.pm`. */
export const chatMessageSchema = z.object({
  platform: z.string().min(1).max(32),
  channel: z.string().max(100),
  user: z.string().max(100),
  /** Platform rank: 0 guest, 1 registered, 2 moderator, 3 admin, 4+ owner (CyTube scale). */
  rank: z.number().finite(),
  /** Plain text as a command parser should see it (HTML decoded, tags stripped). */
  text: z.string().max(100_000),
  /** The original markup, when the platform sends markup. */
  html: z.string().optional(),
  /** A `/me` action. */
  action: z.boolean().optional(),
  /** Sent by the platform itself, not by a user. */
  system: z.boolean().optional(),
  /** Sent by this bot (platforms echo our own lines). */
  self: z.boolean().optional(),
  /** Epoch ms. */
  time: z.number().optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** `rosey.platform.<p>.send.chat` */
export const sendChatSchema = z.object({
  /** Absent: the connector's own channel. */
  channel: z.string().optional(),
  text: z.string().min(1).max(10_000),
});
export type SendChat = z.infer<typeof sendChatSchema>;

/** `rosey.platform.<p>.send.pm` */
export const sendPmSchema = z.object({
  channel: z.string().optional(),
  to: z.string().min(1),
  text: z.string().min(1).max(10_000),
});
export type SendPm = z.infer<typeof sendPmSchema>;
