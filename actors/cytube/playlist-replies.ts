import { err, ok, type Result } from '../../contract/result.js';
import type { KnownServerEvent } from './server-events.js';

/**
 * A playlist request is answered when the server's broadcast shows it happened (or `queueFail`
 * says why not). CyTube refuses several playlist actions without a word, so each request also has
 * a deadline, after which the caller hears that nothing came back.
 */
export type Awaited =
  | { op: 'add'; type: string; id: string }
  | { op: 'delete'; uid: number }
  | { op: 'move'; uid: number }
  | { op: 'jump'; uid: number };

export interface PlaylistWaiter {
  replyId: string;
  awaits: Awaited;
  deadline: number;
}

export interface Settled {
  replyId: string;
  result: Result<unknown>;
}

function settles(
  w: PlaylistWaiter,
  event: KnownServerEvent,
  self: string | undefined,
): Result<unknown> | undefined {
  const a = w.awaits;
  switch (event.name) {
    case 'queue': {
      if (a.op !== 'add') return undefined;
      const { media, uid, queueby } = event.data.item;
      if (self && queueby.toLowerCase() !== self.toLowerCase()) return undefined;
      // Custom embeds come back under a server-made id (`cu:<hash>`), so only the type can match.
      if (media.type !== a.type || (a.type !== 'cu' && media.id !== a.id)) return undefined;
      return ok({ uid, title: media.title, seconds: media.seconds });
    }
    case 'queueFail':
      if (a.op !== 'add' || (event.data.id !== undefined && event.data.id !== a.id)) return undefined;
      return err('FORBIDDEN', `CyTube refused to queue it: ${event.data.msg || 'no reason given'}`);
    case 'delete':
      return a.op === 'delete' && event.data.uid === a.uid ? ok({ uid: a.uid }) : undefined;
    case 'moveVideo':
      return a.op === 'move' && event.data.from === a.uid
        ? ok({ uid: a.uid, after: event.data.after })
        : undefined;
    case 'setCurrent':
      return a.op === 'jump' && event.data === a.uid ? ok({ uid: a.uid }) : undefined;
    default:
      return undefined;
  }
}

/** Answers the oldest waiter each event settles (one event settles at most one request). */
export function settle(
  waiters: PlaylistWaiter[],
  event: KnownServerEvent,
  self: string | undefined,
): { waiters: PlaylistWaiter[]; settled: Settled[] } {
  for (let i = 0; i < waiters.length; i++) {
    const result = settles(waiters[i]!, event, self);
    if (result) {
      return {
        waiters: [...waiters.slice(0, i), ...waiters.slice(i + 1)],
        settled: [{ replyId: waiters[i]!.replyId, result }],
      };
    }
  }
  return { waiters, settled: [] };
}

export function expireWaiters(
  waiters: PlaylistWaiter[],
  now: number,
): { waiters: PlaylistWaiter[]; settled: Settled[] } {
  const late = waiters.filter((w) => w.deadline <= now);
  if (late.length === 0) return { waiters, settled: [] };
  return {
    waiters: waiters.filter((w) => w.deadline > now),
    settled: late.map((w) => ({
      replyId: w.replyId,
      result: err(
        'TIMEOUT',
        `CyTube did not confirm the playlist ${w.awaits.op}: it refuses some actions silently (a locked playlist, a missing permission, an unknown uid)`,
      ),
    })),
  };
}
