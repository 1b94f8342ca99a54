/**
 * `rosey/sdk/testing`: run a plugin against a real Rosey (nats-server, storage, router) in its
 * tests. See docs/plugin-sdk.md.
 */
export { testBot } from './test-bot.js';
export type {
  Action,
  AuditRecord,
  ChannelView,
  Emit,
  EmitFields,
  LogLine,
  Reply,
  SayOptions,
  TestBot,
  TestBotOptions,
} from './test-bot.js';
export type { PlatformAnswer } from './test-platform.js';
