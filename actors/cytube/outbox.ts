import {
  burstSpent,
  exhausted,
  freshFlood,
  marginFor,
  nextAllowedAt,
  recordSend,
  type FloodParams,
  type FloodState,
} from './flood-limiter.js';

/**
 * Everything the bot has to say or do in the channel, in order, paced by mirrors of the server's
 * flood limiters. Chat lines and PMs share one limiter (as on the server), playlist adds have
 * their own, other playlist actions none. Because CyTube drops rather than queues, a line is only
 * forgotten once the server has echoed it, refused it, or failed to answer within a few seconds;
 * a `cooldown` (the server dropped it after all) puts it back in line.
 */
/** A `/kick` line the connector sent for `send.kick` (user lines never start with `/`: guarded). */
export const isKick = (item: OutItem) => item.kind === 'chat' && item.text?.startsWith('/kick ') === true;
/** A CyTube command the connector sent (`/kick`, `/afk`): it never shows in the chat or its history. */
export const isChatCommand = (item: OutItem) => item.kind === 'chat' && item.text?.startsWith('/') === true;

export type OutKind = 'chat' | 'pm' | 'queue' | 'delete' | 'move' | 'jump';

export interface OutItem {
  seq: number;
  kind: OutKind;
  /** The socket.io event and its argument. */
  event: string;
  payload: unknown;
  enqueuedAt: number;
  attempts: number;
  /** Short description for logs: never the whole text. */
  label: string;
  /** Chat lines and PMs: the text as sent, to recognise the server's echo of it. */
  text?: string;
}

export interface SentItem {
  item: OutItem;
  sentAt: number;
}

export interface Limits {
  /** Every chat limiter that applies to the bot (the default one, plus antiflood for rank < 2). */
  chat: FloodParams[];
  queue: FloodParams;
}

export interface Outbox {
  queue: OutItem[];
  /** Chat lines and PMs sent and not yet echoed, oldest first (the server answers in order). */
  unacked: SentItem[];
  chatFlood: FloodState[];
  queueFlood: FloodState;
  /** After a server `cooldown`: nothing chat-like goes out before this. */
  pausedUntil: number;
  /**
   * Chat lines a lost session never confirmed. The next session's history replay shows which of
   * them were delivered after all; the rest are sent again once the bot is back in the channel.
   */
  unconfirmed: OutItem[];
}

/** A line the server has not answered within this long is taken as delivered. */
export const ACK_TIMEOUT_MS = 5000;
/**
 * Past the burst, a line waits for the echo of the one before it at most this long: the server
 * handles lines when it gets to them, and a burst's last line is handled late (issue 21).
 */
export const ECHO_WAIT_MS = 1000;
/** A line the server dropped this many times is given up (and counted). */
export const MAX_ATTEMPTS = 3;

export const emptyOutbox = (): Outbox => ({
  queue: [],
  unacked: [],
  chatFlood: [],
  queueFlood: freshFlood(),
  pausedUntil: 0,
  unconfirmed: [],
});

/**
 * A new session: the server's limiters start fresh. Unanswered chat lines wait for the history
 * replay (`confirmFromHistory`); unanswered PMs, which are not in the history, are sent again.
 */
export function resetSession(o: Outbox): Outbox {
  const pending = o.unacked.map((s) => s.item);
  return {
    queue: requeue(
      o.queue,
      pending.filter((i) => i.kind !== 'chat'),
    ),
    unacked: [],
    chatFlood: [],
    queueFlood: freshFlood(),
    pausedUntil: 0,
    // A kick or `/afk` never shows in the chat history, so it could not be confirmed there: sending
    // it again after a reconnect could kick someone who came back meanwhile, or toggle the bot's
    // AFK back. It is given up instead.
    unconfirmed: [...o.unconfirmed, ...pending.filter((i) => i.kind === 'chat' && !isChatCommand(i))],
  };
}

/**
 * How CyTube's echo of a line compares with what was sent: it decodes to the same text, modulo
 * whitespace (control characters become spaces) and the zero-width guard against slash commands.
 */
export const echoKey = (text: string) =>
  text
    .replace(/\u200b/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/** The history replay showed one of our lines: it was delivered before the connection was lost. */
export function confirmFromHistory(o: Outbox, text: string): Outbox {
  const key = echoKey(text);
  const at = o.unconfirmed.findIndex((i) => i.text !== undefined && echoKey(i.text) === key);
  if (at < 0) return o;
  return { ...o, unconfirmed: [...o.unconfirmed.slice(0, at), ...o.unconfirmed.slice(at + 1)] };
}

/** Back in the channel: what the history did not confirm goes out again, in its place. */
export function requeueUnconfirmed(o: Outbox): Outbox {
  if (o.unconfirmed.length === 0) return o;
  return { ...o, queue: requeue(o.queue, o.unconfirmed), unconfirmed: [] };
}

const isChatLike = (kind: OutKind) => kind === 'chat' || kind === 'pm';

function requeue(queue: OutItem[], items: OutItem[]): OutItem[] {
  return [...queue, ...items].sort((a, b) => a.seq - b.seq);
}

function chatStates(o: Outbox, limits: Limits): FloodState[] {
  return limits.chat.map((_, i) => o.chatFlood[i] ?? freshFlood());
}

/**
 * When the head item may go out. CyTube times a line when it handles it, not when the bot sent it:
 * a burst queues at the server, so its last line is handled late, and a line sent the sustained
 * interval after *sending* it can reach the server too soon after it and be dropped (issue 21: the
 * 21st line of a flood). So once the burst is spent, a line waits for the echo of the line before
 * it, which anchors the interval where the server handled that line (`acknowledge`).
 */
function allowedAt(o: Outbox, limits: Limits, item: OutItem, now: number): number {
  if (isChatLike(item.kind)) {
    const states = chatStates(o, limits);
    const at = Math.max(o.pausedUntil, ...limits.chat.map((p, i) => nextAllowedAt(states[i]!, p, now)));
    const last = o.unacked.at(-1);
    const sustained = limits.chat.some((p, i) => burstSpent(states[i]!, p, at));
    return last && sustained ? Math.max(at, last.sentAt + ECHO_WAIT_MS) : at;
  }
  if (item.kind === 'queue') return nextAllowedAt(o.queueFlood, limits.queue, now);
  return now;
}

/** Takes every item that may be sent now, in order; `wakeAt` is when the next one may. */
export function takeDue(
  o: Outbox,
  limits: Limits,
  now: number,
): { outbox: Outbox; due: OutItem[]; wakeAt?: number } {
  let next: Outbox = { ...o, chatFlood: chatStates(o, limits) };
  const due: OutItem[] = [];
  while (next.queue.length > 0) {
    const head = next.queue[0]!;
    const at = allowedAt(next, limits, head, now);
    if (at > now) return { outbox: next, due, wakeAt: at };
    next = { ...next, queue: next.queue.slice(1) };
    if (isChatLike(head.kind)) {
      next.chatFlood = limits.chat.map((p, i) => recordSend(next.chatFlood[i]!, p, now));
      next.unacked = [...next.unacked, { item: head, sentAt: now }];
    } else if (head.kind === 'queue') next.queueFlood = recordSend(next.queueFlood, limits.queue, now);
    due.push(head);
  }
  return { outbox: next, due };
}

export type AckOutcome =
  | { kind: 'none' }
  | { kind: 'delivered'; item: OutItem }
  | { kind: 'failed'; item: OutItem; reason: string }
  | { kind: 'resent'; item: OutItem }
  | { kind: 'given-up'; item: OutItem };

export type Answer =
  | { kind: 'echo'; text: string; pm: boolean }
  | { kind: 'refused'; reason: string }
  | { kind: 'cooldown'; ms: number };

/**
 * The server answered a line. An echo is matched by its text: CyTube consumes some lines without
 * any answer (an existing slash command, a line blank once sanitised), so the oldest line is not
 * always the one echoed; lines older than the match are taken as consumed. A refusal or a
 * `cooldown` carries no text and answers the oldest line (the server handles lines in order).
 */
export function acknowledge(
  o: Outbox,
  answer: Answer,
  limits: Limits,
  now: number,
): { outbox: Outbox; outcome: AckOutcome } {
  if (answer.kind === 'echo') {
    const key = echoKey(answer.text);
    const at = o.unacked.findIndex(
      (s) =>
        (s.item.kind === 'pm') === answer.pm && s.item.text !== undefined && echoKey(s.item.text) === key,
    );
    if (at < 0) return { outbox: o, outcome: { kind: 'none' } };
    // The server handled this line at the latest when its echo arrived: the sustained interval
    // counts from there when that is later than the sending. A line that queued behind others
    // (a burst) was handled late; so was one whose echo took longer than the interval (a loaded
    // server or bot), and the next line, sent at that echo, would come too soon after it. (Less
    // the round trip would be closer, but a round trip measured under load includes the very
    // queue it is meant to remove: such an estimate lets a line through too early.)
    return {
      outbox: {
        ...o,
        unacked: o.unacked.slice(at + 1),
        chatFlood: o.chatFlood.map((s) => (s.lastAt < now ? { ...s, lastAt: now } : s)),
      },
      outcome: { kind: 'delivered', item: o.unacked[at]!.item },
    };
  }
  const [head, ...rest] = o.unacked;
  if (answer.kind === 'cooldown') {
    // Whatever was dropped, our mirror was wrong: wait as the server asks before the next line.
    const paused: Outbox = {
      ...o,
      unacked: rest,
      chatFlood: limits.chat.map((p) => exhausted(p, now)),
      pausedUntil: now + answer.ms + marginFor(answer.ms),
    };
    if (!head) return { outbox: paused, outcome: { kind: 'none' } };
    const item = { ...head.item, attempts: head.item.attempts + 1 };
    if (item.attempts >= MAX_ATTEMPTS) return { outbox: paused, outcome: { kind: 'given-up', item } };
    return { outbox: { ...paused, queue: requeue(paused.queue, [item]) }, outcome: { kind: 'resent', item } };
  }
  if (!head) return { outbox: o, outcome: { kind: 'none' } };
  return {
    outbox: { ...o, unacked: rest },
    outcome: { kind: 'failed', item: head.item, reason: answer.reason },
  };
}

/**
 * Housekeeping: lines the server never answered count as delivered; queued items older than
 * `maxAgeMs` are dropped (a reply a minute late is noise) and returned for logging.
 */
export function expire(o: Outbox, now: number, maxAgeMs: number): { outbox: Outbox; dropped: OutItem[] } {
  const unacked = o.unacked.filter((s) => now - s.sentAt < ACK_TIMEOUT_MS);
  const dropped = o.queue.filter((i) => now - i.enqueuedAt >= maxAgeMs);
  if (dropped.length === 0 && unacked.length === o.unacked.length) return { outbox: o, dropped };
  return { outbox: { ...o, unacked, queue: o.queue.filter((i) => now - i.enqueuedAt < maxAgeMs) }, dropped };
}

/** When housekeeping next has something to do. */
export function nextExpiry(o: Outbox, maxAgeMs: number): number | undefined {
  const times = [
    ...o.unacked.map((s) => s.sentAt + ACK_TIMEOUT_MS),
    ...o.queue.slice(0, 1).map((i) => i.enqueuedAt + maxAgeMs),
  ];
  return times.length > 0 ? Math.min(...times) : undefined;
}
