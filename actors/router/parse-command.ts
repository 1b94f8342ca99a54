import { COMMAND_NAME } from '../../contract/messages/commands.js';

export const MAX_LINE = 2000;
export const MAX_ARGS = 100;

export type ParsedLine =
  | { kind: 'not-a-command' }
  | { kind: 'command'; name: string; args: string[]; argText: string }
  | { kind: 'too-long'; name: string }
  | { kind: 'too-many-args'; name: string };

// C0/C1 control characters except tab; they never belong in a command and can garble terminals.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/**
 * `!name arg1 arg2` → command `name` (lower-cased) with its arguments. Anything else — plain chat,
 * a bare prefix, `!!!`, `! roll` — is not a command, so the bot stays quiet about it.
 */
export function parseCommand(text: string, prefix: string): ParsedLine {
  const line = text.replace(CONTROL, ' ').trim();
  if (!prefix || !line.startsWith(prefix)) return { kind: 'not-a-command' };
  const body = line.slice(prefix.length);
  const match = /^(\S+)/.exec(body);
  if (!match) return { kind: 'not-a-command' };
  const name = match[1]!.toLowerCase();
  if (!COMMAND_NAME.test(name)) return { kind: 'not-a-command' };
  // Look at no more than MAX_LINE characters, so a megabyte line costs no more than a short one.
  const argText = body.slice(match[1]!.length, MAX_LINE + 1).trim();
  const args = argText.length > 0 ? argText.split(/\s+/, MAX_ARGS + 1) : [];
  if (args.length > MAX_ARGS) return { kind: 'too-many-args', name };
  if (line.length > MAX_LINE) return { kind: 'too-long', name };
  return { kind: 'command', name, args, argText };
}
