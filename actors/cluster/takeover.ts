import type { ChatMessage } from '../../contract/messages/chat.js';
import { ADMIN_COMMAND } from '../../contract/messages/admin.js';
import { MAX_RECORDED_LINE, type HandledLine } from '../../contract/messages/handover.js';
import { echoKey } from '../cytube/outbox.js';
import { parseCommand } from '../router/parse-command.js';

/**
 * Lines the platform timed more than this before the join are not answered for: the channel had
 * no bot for that long, and an answer would come out of nowhere.
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
  /** This node's clock (epoch ms): lines older than `TAKEOVER_WINDOW_MS` before it are let go. */
  now: number;
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
  const since = Math.max(previous.after, input.now - TAKEOVER_WINDOW_MS);
  // Each of the bot's lines shows one answer: two commands answered alike need two of them.
  const matched = new Set<number>();
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
    const shown = history.findIndex(
      (later, at) => at > index && later.self && !matched.has(at) && shows(later.text, reply.text),
    );
    if (shown >= 0) {
      matched.add(shown);
      return;
    }
    result.resent++;
    result.say.push(reply.text);
  });
  return result;
}

/**
 * Whether a line of the bot's in the replay is the first line of `reply` as the connector sends it
 * (actors/cytube/split-message.ts): line by line, spaces collapsed, many short lines joined with
 * ` · `, a line longer than the platform takes cut at a space (then at least 40 characters of it
 * must match, so that a short line is not taken for any answer starting alike).
 */
export function shows(line: string, reply: string): boolean {
  // The connector's own key for its lines in a replay: its guard before a leading `/` gone,
  // spaces collapsed.
  const shown = echoKey(line);
  const first =
    reply
      .split(/\r?\n/)
      .map(echoKey)
      .find((l) => l.length > 0) ?? '';
  if (shown.length === 0) return false;
  if (shown === first || shown.startsWith(`${first} · `)) return true;
  // A cut part ends with the ellipsis of the last part kept, or with the ` ·` of lines joined.
  const cut = shown.replace(/(…| ·)$/, '');
  return cut.length >= 40 && first.startsWith(cut);
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export const refusal = (user: string, text: string): string =>
  `${user}: "${clip(text.trim(), 80)}" got no answer while Rosey moved to another node, and may not have run. Say it again if you still want it.`;
