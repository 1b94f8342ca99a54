import type { ChatMessage } from '../../contract/messages/chat.js';
import { ADMIN_COMMAND } from '../../contract/messages/admin.js';
import { MAX_RECORDED_LINE, type HandledLine } from '../../contract/messages/handover.js';
import { parseCommand } from '../router/parse-command.js';

/**
 * Lines the platform timed more than this before the newest line of the replay are not answered
 * for: the channel had no bot for that long, and an answer would come out of nowhere.
 */
export const TAKEOVER_WINDOW_MS = 120_000;

/** One line's identity in records and in the replay: the platform's own user, time and text. */
export const lineKey = (user: string, time: number, text: string): string =>
  `${user.toLowerCase()}\u0000${time}\u0000${text.slice(0, MAX_RECORDED_LINE)}`;

export interface TakeoverInput {
  /** What the platform replayed when this node joined, oldest first. */
  history: readonly ChatMessage[];
  /**
   * The channel's previous holder's session: lines the platform timed after `after` were its to
   * answer. None (this node's own previous session, or nothing heard): nothing is taken over.
   */
  previous?: { node: string; after: number };
  /** The previous holders' records, by `lineKey`. */
  handled: ReadonlyMap<string, HandledLine>;
  prefix: string;
}

export interface Takeover {
  /** Lines to say in the channel, in the order of the lines they are for. */
  say: string[];
  /** Answers given before and lost with the node (not in the replay): said again. */
  resent: number;
  /** Commands no record answers for: refused, since they may or may not have run. */
  refused: number;
  /** This session's own `after`: the newest line of its replay. */
  after: number;
}

/**
 * What a node that has just taken a channel over says for the lines its predecessor left open
 * (docs/guides/SCALING.md, "Lines said during a failover"). Every command line the replay shows
 * from the predecessor's session on: recorded with an answer the replay also shows — nothing;
 * recorded with a public answer the replay does not show (it was still in the dead node's send
 * queue) — that answer again; recorded without one, or answered privately — nothing (a private
 * message is not replayed, so it cannot be checked); not recorded — refused, saying it may not have
 * run: the dead node may have run it and died before its record left, so running it here could do
 * it twice.
 */
export function takeOver(input: TakeoverInput): Takeover {
  const { history, previous } = input;
  const after = history.reduce((newest, line) => Math.max(newest, line.time ?? 0), 0);
  const result: Takeover = { say: [], resent: 0, refused: 0, after };
  if (!previous) return result;
  const since = Math.max(previous.after, after - TAKEOVER_WINDOW_MS);
  history.forEach((line, index) => {
    if (line.time === undefined || line.time <= since) return;
    if (line.self || line.system) return;
    const parsed = parseCommand(line.text, input.prefix);
    // `!admin` confirmations are per node anyway (SCALING.md): asked again, not refused here.
    if (parsed.kind === 'not-a-command' || parsed.name === ADMIN_COMMAND) return;
    const record = input.handled.get(lineKey(line.user, line.time, line.text));
    if (!record) {
      result.refused++;
      result.say.push(refusal(line.user, line.text));
      return;
    }
    const reply = record.reply;
    if (!reply || reply.private) return;
    const shown = history.slice(index + 1).some((later) => later.self && sameLine(later.text, reply.text));
    if (shown) return;
    result.resent++;
    result.say.push(reply.text);
  });
  return result;
}

/**
 * A reply as the replay shows it: the platform may cut a long one into several lines (the connector
 * splits at its limit), so the first of them starts the reply; a short one must match whole.
 */
function sameLine(shown: string, reply: string): boolean {
  const a = shown.trim();
  const b = reply.trim();
  return a === b || (a.length >= 40 && b.startsWith(a));
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export const refusal = (user: string, text: string): string =>
  `${user}: "${clip(text.trim(), 80)}" got no answer while Rosey moved to another node, and may not have run. Say it again if you still want it.`;
