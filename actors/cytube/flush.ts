import { err, type ErrorCode } from '../../contract/result.js';
import type { CytubeContext } from './context.js';
import { limitsFor } from './limits.js';
import { isMuted } from './on-outbound.js';
import { expire, isKick, nextExpiry, takeDue, type OutItem } from './outbox.js';
import { checkAll, describeRefusal, playlistPermission, queuePermissions } from './permissions.js';
import { expireWaiters, type Awaited } from './playlist-replies.js';
import { emptyStep, type Step } from './step.js';

function permissionsFor(item: OutItem, locked: boolean): string[] {
  switch (item.kind) {
    case 'chat':
      // A kick waits in line with the chat: the bot may have lost the right by the time it is sent.
      return isKick(item) ? ['chat', 'kick'] : ['chat'];
    case 'pm':
      return ['chat'];
    case 'queue': {
      const p = item.payload as { type: string; pos: 'end' | 'next' };
      return queuePermissions(p.type, p.pos, locked);
    }
    default:
      return [playlistPermission(item.kind, locked)];
  }
}

function awaitedFor(item: OutItem): Awaited {
  if (item.kind === 'queue') {
    const p = item.payload as { type: string; id: string };
    return { op: 'add', type: p.type, id: p.id };
  }
  if (item.kind === 'move') return { op: 'move', uid: (item.payload as { from: number }).from };
  return { op: item.kind === 'delete' ? 'delete' : 'jump', uid: item.payload as number };
}

/**
 * Sends what the flood limits allow now, checking each item against the channel as it is now
 * (the bot's rank may have changed while it waited); expires what waited too long.
 */
export function flush(context: CytubeContext, now: number): Step {
  const step = emptyStep();
  const { input, channel } = context;
  const counters = { ...context.counters };
  const pendingReplies = { ...context.pendingReplies };
  const fail = (item: OutItem, code: ErrorCode, message: string) => {
    const replyId = pendingReplies[item.seq];
    delete pendingReplies[item.seq];
    if (replyId) step.bus.push({ type: 'bus.reply', replyId, result: err(code, message) });
  };
  const expired = expire(context.outbox, now, input.maxQueueAgeMs);
  for (const item of expired.dropped) {
    counters.dropped++;
    step.log.push({
      level: 'error',
      msg: `dropped "${item.label}": not sent within ${input.maxQueueAgeMs} ms`,
    });
    fail(item, 'TIMEOUT', `not sent within ${input.maxQueueAgeMs} ms`);
  }
  const taken = takeDue(expired.outbox, limitsFor(channel), now);
  const waiters = [...context.waiters];
  for (const item of taken.due) {
    const refusal = checkAll(channel.permissions, channel.rank, permissionsFor(item, channel.playlistLocked));
    const why = refusal
      ? describeRefusal(refusal)
      : item.kind === 'chat' && isMuted(context)
        ? 'the bot is muted in this channel'
        : undefined;
    if (why) {
      counters.refused++;
      step.log.push({ level: 'warn', msg: `not sent to CyTube: "${item.label}": ${why}` });
      fail(item, 'FORBIDDEN', why);
      continue;
    }
    if (now - item.enqueuedAt > 5) counters.deferred++;
    counters.sent++;
    step.socket.push({ name: item.event, data: item.payload });
    const replyId = pendingReplies[item.seq];
    if (replyId) {
      delete pendingReplies[item.seq];
      const timeout = item.kind === 'queue' ? input.queueTimeoutMs : input.playlistTimeoutMs;
      waiters.push({ replyId, awaits: awaitedFor(item), deadline: now + timeout });
    }
  }
  const late = expireWaiters(waiters, now);
  for (const s of late.settled) step.bus.push({ type: 'bus.reply', replyId: s.replyId, result: s.result });
  step.patch = { outbox: taken.outbox, counters, pendingReplies, waiters: late.waiters };
  return step;
}

/** How long until `flush` has something to do: the flood limit, an expiry, a playlist deadline. */
export function untilNextFlush(context: CytubeContext, now: number): number {
  const times = [
    takeDue(context.outbox, limitsFor(context.channel), now).wakeAt,
    nextExpiry(context.outbox, context.input.maxQueueAgeMs),
    ...context.waiters.map((w) => w.deadline),
  ].filter((t): t is number => t !== undefined);
  // Nothing pending: an idle tick keeps housekeeping honest without busy timers.
  return times.length === 0 ? 60_000 : Math.max(1, Math.min(...times) - now);
}
