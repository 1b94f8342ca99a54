import type { ErrorBody } from '../../contract/result.js';

import { wellFormed } from '../../contract/json-text.js';

// Cut by UTF-16 length, which can halve an emoji: made well-formed, or the bus would refuse the reply.
const clip = (text: string, max: number) =>
  text.length > max ? wellFormed(`${text.slice(0, max - 1)}…`) : text;

/** What the user reads when a command could not be answered. Short, and says what happened. */
export function failureReply(prefix: string, command: string, plugin: string, error: ErrorBody): string {
  switch (error.code) {
    case 'NO_RESPONDERS':
    case 'BUS_UNAVAILABLE':
      return `${prefix}${command} is unavailable right now (${plugin} is not running).`;
    case 'TIMEOUT':
      return `${prefix}${command} timed out: ${plugin} did not answer in time.`;
    default:
      return `${prefix}${command} failed: ${clip(error.message, 200)}`;
  }
}

export const unknownCommandReply = (prefix: string, name: string, failed: readonly string[] = []) => {
  const known = `Unknown command ${prefix}${name} — try ${prefix}help.`;
  // The name may belong to a plugin that never started: say so, or its author sees only
  // "unknown". Only its name: anyone may type an unknown word, and the reason is the plugin's own
  // text (paths, what it printed last); `rosey plugin info` and Rosey's log have it.
  return failed.length > 0 ? `${known} (not running: ${failed.join(', ')})` : known;
};

export const rankReply = (prefix: string, name: string, minRank: number, rank: number) =>
  `${prefix}${name} needs rank ${minRank} (you have ${rank}).`;

export const cooldownReply = (prefix: string, name: string, remainingMs: number) =>
  `Slow down: ${prefix}${name} is available to you again in ${Math.ceil(remainingMs / 1000)}s.`;

export const tooLongReply = (prefix: string, name: string, max: number) =>
  `${prefix}${name}: that line is too long (max ${max} characters).`;

export const tooManyArgsReply = (prefix: string, name: string, max: number) =>
  `${prefix}${name}: too many arguments (max ${max}).`;

/** An installed plugin that is not serving yet, after the command waited for it (issue 28). */
export const startingReply = (plugin: string) => `${plugin} is starting — try again in a moment.`;

/** … or whose current generation went down with a reason. */
export const notRunningReply = (plugin: string, reason: string) =>
  `${plugin} is not running: ${clip(reason, 200)}`;

/** A name no known command has, while plugins whose commands are not known yet are starting. */
export const stillStartingReply = (prefix: string, name: string, plugins: string[]) =>
  `${prefix}${name} is not available yet: ${plugins.join(', ')} ${plugins.length === 1 ? 'is' : 'are'} still starting — try again in a moment.`;
