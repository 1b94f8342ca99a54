/** Which chat lines the model learns from: people's own words, not commands, links or the bot. */
import type { ChatMessage } from 'rosey/sdk';

const LINK = /\b(?:https?:\/\/|www\.)|\b[a-z0-9-]+\.(?:com|net|org|io|tv|be|gg|ly|me)\b/i;

/** Why a line is not learned, or undefined when it is. */
export function skipReason(
  m: ChatMessage,
  options: { commandPrefixes: readonly string[]; optedOut: (user: string) => boolean },
): string | undefined {
  if (m.self) return 'the bot';
  if (m.system) return 'the platform';
  const text = m.text.trim();
  if (text === '') return 'empty';
  if (options.commandPrefixes.some((p) => text.startsWith(p))) return 'a command';
  if (LINK.test(text)) return 'a link';
  if (options.optedOut(m.user.toLowerCase())) return 'opted out';
  return undefined;
}

/** Whether the line speaks to the bot: one of `names` as a word (`@rosey`, `Rosey,`, `rosey?`). */
export function mentions(text: string, names: readonly string[]): boolean {
  const words = new Set(text.toLowerCase().split(/[^\p{L}\p{N}_-]+/u));
  return names.some((n) => words.has(n.toLowerCase()));
}
