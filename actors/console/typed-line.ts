import { wellFormed } from '../../contract/json-text.js';
import type { ChatMessage } from '../../contract/messages/chat.js';
import { subjects } from '../../contract/subjects.js';

/** Longer input lines are cut here (the router answers "too long" for commands anyway). */
export const MAX_INPUT_LINE = 10_000;

/**
 * A line typed in a terminal chat (`rosey dev`'s console, a `rosey chat` session) as the bus
 * carries it: a chat message, or a private one to the bot when it starts with `/pm `.
 */
export function typedLine(
  text: string,
  from: Pick<ChatMessage, 'platform' | 'channel' | 'user' | 'rank'>,
): { subject: string; message: ChatMessage; raw: string } {
  // A cap by UTF-16 length can halve an emoji; the bus refuses lone surrogates.
  const raw = wellFormed(text.slice(0, MAX_INPUT_LINE));
  const pm = /^\/pm\s+/.exec(raw);
  return {
    subject: pm ? subjects.pm : subjects.message,
    message: { ...from, text: pm ? raw.slice(pm[0].length) : raw, time: Date.now() },
    raw,
  };
}
