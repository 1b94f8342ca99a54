import { ADMIN_VERBS, type AdminVerb, type DestructiveVerb } from '../../contract/messages/admin.js';
import { PLUGIN_NAME } from '../../contract/subjects.js';

export type AdminCommand =
  | { verb: 'help' | 'list' | 'metrics' }
  | { verb: 'status'; plugin?: string }
  | { verb: DestructiveVerb; plugin: string }
  | { verb: 'confirm'; code: string };

export type ParsedAdmin =
  | { ok: true; command: AdminCommand }
  /** `verb` is `unknown` for a word that is no admin verb: the audit action of the refusal. */
  | { ok: false; verb: AdminVerb | 'unknown'; reason: string };

const isVerb = (word: string): word is AdminVerb => (ADMIN_VERBS as readonly string[]).includes(word);

/** Confirmation codes as confirmations.ts makes them. */
export const CODE = /^[a-z0-9]{4,12}$/;

/** The words after `!admin` → one admin command, or why not (no verb: `help`). */
export function parseAdmin(args: readonly string[]): ParsedAdmin {
  const [first, ...rest] = args;
  const word = (first ?? 'help').toLowerCase();
  if (!isVerb(word)) return { ok: false, verb: 'unknown', reason: `no admin command ${word}` };
  const arg = rest[0];
  if (rest.length > 1) return { ok: false, verb: word, reason: 'too many arguments' };
  if (word === 'help' || word === 'list' || word === 'metrics')
    return arg === undefined
      ? { ok: true, command: { verb: word } }
      : { ok: false, verb: word, reason: 'takes no argument' };
  if (word === 'confirm') {
    const code = arg?.toLowerCase();
    if (code === undefined) return { ok: false, verb: word, reason: 'needs the code' };
    return CODE.test(code)
      ? { ok: true, command: { verb: word, code } }
      : { ok: false, verb: word, reason: 'not a confirmation code' };
  }
  if (arg === undefined)
    return word === 'status'
      ? { ok: true, command: { verb: word } }
      : { ok: false, verb: word, reason: 'needs a plugin name' };
  if (!PLUGIN_NAME.test(arg)) return { ok: false, verb: word, reason: `${arg} is not a plugin name` };
  // What is left is status or one of DESTRUCTIVE_VERBS (the type says so).
  return { ok: true, command: { verb: word, plugin: arg } };
}
