import { err } from '../../contract/result.js';
import { applyServerEvent } from './channel-state.js';
import type { CytubeContext } from './context.js';
import { htmlToText } from './html-text.js';
import { chatMessageOf, publishChanges, publishChat, publishRaw } from './inbound.js';
import { limitsFor } from './limits.js';
import { classifyLoginFailure } from './login-result.js';
import { acknowledge, confirmFromHistory, type Answer } from './outbox.js';
import { CYTUBE_PLATFORM } from './platform.js';
import { settle } from './playlist-replies.js';
import { clause, isTemporaryKick } from './retry.js';
import { parseServerEvent, type KnownServerEvent } from './server-events.js';
import { emptyStep, type Step } from './step.js';

export const PASSWORD_CHECK = 'password-check';
export const RANK_GRACE = 'rank-grace';
/** How long an account's channel rank may take after its login before the bot goes on without it. */
export const RANK_GRACE_MS = 1000;
/** CyTube replays 15 lines; a server that sends more is not kept beyond this. */
export const MAX_HISTORY = 50;
const RESERVED_RAW = new Set(['send', 'state', 'rejoin', 'view', 'joined']);
const RAW_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** What ends the connector's attempts for good, if this server event does. */
export function fatalReason(context: CytubeContext, event: KnownServerEvent): string | undefined {
  const { channel, username, password } = context.input;
  switch (event.name) {
    case 'kick':
      // CyTube's per-IP connection limit is about other connections, not the bot: it frees.
      if (isTemporaryKick(event.data.reason)) return undefined;
      return /duplicate login/i.test(event.data.reason)
        ? `another connection logged in as ${username} and CyTube dropped this one (Duplicate login); not reconnecting, or the two would keep kicking each other`
        : `kicked from ${channel}: ${event.data.reason || 'no reason given'}`;
    case 'login': {
      if (event.data.success) return undefined;
      const failure = classifyLoginFailure(event.data.error, username, password !== undefined);
      if (failure.kind === 'fatal') return failure.reason;
      return context.loginRetries >= context.input.maxLoginRetries
        ? `gave up logging in after ${context.loginRetries} waits: ${failure.reason}`
        : undefined;
    }
    default:
      return undefined;
  }
}

/** Whether this raw event ends the connector's attempts (for the machine's guard). */
export function haltsOn(context: CytubeContext, name: string, data: unknown): boolean {
  // Checked for every event before it is handled: only these two can end the session.
  if (name !== 'kick' && name !== 'login') return false;
  const parsed = parseServerEvent(name, data);
  return parsed.kind === 'known' && fatalReason(context, parsed.event) !== undefined;
}

export function passwordReason(context: CytubeContext): string {
  const { channel, channelPassword } = context.input;
  return channelPassword === undefined
    ? `channel ${channel} has a password: set platforms.cytube.channelPassword (or CYTUBE_CHANNEL_PASSWORD)`
    : `CyTube refused the channel password for ${channel}`;
}

/** Everything one server event means: channel state, bus traffic, flood bookkeeping, replies. */
export function onServerEvent(context: CytubeContext, name: string, data: unknown, now: number): Step {
  const step = emptyStep();
  const counters = { ...context.counters, received: context.counters.received + 1 };
  step.patch.counters = counters;
  if (RAW_NAME.test(name) && !RESERVED_RAW.has(name)) step.bus.push(...publishRaw(name, data));
  const parsed = parseServerEvent(name, data);
  if (parsed.kind === 'invalid') {
    counters.invalid++;
    step.log.push({ level: 'warn', msg: `ignored a malformed ${name} from CyTube: ${parsed.problem}` });
    return step;
  }
  if (parsed.kind === 'unknown') return step;
  const known = parsed.event;
  const applied = applyServerEvent(context.channel, known);
  if (applied.note) step.log.push({ level: 'warn', msg: applied.note });
  const where = { platform: CYTUBE_PLATFORM, channel: context.input.channel, time: now };
  const channel = applied.state;
  step.patch.channel = channel;
  const self = channel.self ?? context.input.username;
  const isSelf = (user: string) => user.toLowerCase() === self.toLowerCase();
  // The list can come before the login, naming the bot's old session (a duplicate login): the bot
  // is not among who was here before it.
  const changes = applied.changes.map((c) =>
    c.kind === 'user.list' ? { ...c, users: c.users.filter((u) => !isSelf(u.user)) } : c,
  );
  step.deliver.push(...publishChanges(changes, where));
  let outbox = context.outbox;
  const ack = (answer: Answer) => {
    const r = acknowledge(outbox, answer, limitsFor(channel), now);
    outbox = r.outbox;
    const o = r.outcome;
    if (o.kind === 'resent') {
      counters.serverDrops++;
      counters.resent++;
      step.log.push({
        level: 'warn',
        msg: `CyTube dropped "${o.item.label}" (flood limit); sending it again`,
      });
    } else if (o.kind === 'given-up') {
      counters.serverDrops++;
      counters.dropped++;
      step.log.push({
        level: 'error',
        msg: `CyTube dropped "${o.item.label}" ${o.item.attempts} times; giving up on it`,
      });
    } else if (o.kind === 'failed') {
      counters.failed++;
      step.log.push({ level: 'warn', msg: `CyTube did not deliver "${o.item.label}": ${o.reason}` });
    } else if (o.kind === 'none' && answer.kind === 'cooldown') counters.serverDrops++;
  };

  switch (known.name) {
    case 'chatMsg': {
      if (!channel.inChannel) {
        // The history replay: old lines, never new chat. Ours among them were delivered.
        if (isSelf(known.data.username)) outbox = confirmFromHistory(outbox, htmlToText(known.data.msg));
        const old = chatMessageOf(known.data, channel, self, where, false);
        // The newest are the ones that matter to a takeover: a longer replay keeps its end.
        if (old) step.patch.channel = { ...channel, history: [...channel.history, old].slice(-MAX_HISTORY) };
        break;
      }
      if (isSelf(known.data.username)) ack({ kind: 'echo', text: htmlToText(known.data.msg), pm: false });
      step.deliver.push(...publishChat(known.data, channel, self, where, false));
      break;
    }
    case 'pm':
      if (isSelf(known.data.username)) ack({ kind: 'echo', text: htmlToText(known.data.msg), pm: true });
      step.deliver.push(...publishChat(known.data, channel, self, where, true));
      break;
    case 'cooldown':
      ack({ kind: 'cooldown', ms: Math.min(Math.max(known.data, 0), 30_000) });
      break;
    case 'noflood':
      if (known.data.action === undefined || known.data.action === 'chat')
        ack({ kind: 'refused', reason: known.data.msg });
      break;
    case 'spamFiltered':
      ack({ kind: 'refused', reason: `spam filter: ${known.data.reason || 'no reason given'}` });
      break;
    case 'errorMsg':
      if (/^PM failed|can't PM yourself|for message (chatMsg|pm)\b/i.test(known.data.msg))
        ack({ kind: 'refused', reason: known.data.msg });
      else step.log.push({ level: 'warn', msg: `CyTube: ${known.data.msg}` });
      break;
    case 'needPassword':
      // Not fatal yet: CyTube lets rank ≥ 2 in once the login has found the account's rank.
      step.patch.passwordPrompt = true;
      step.raise.push({
        event: { type: 'password.check' },
        delay: context.input.passwordGraceMs,
        id: PASSWORD_CHECK,
      });
      break;
    case 'cancelNeedPassword':
      step.patch.passwordPrompt = false;
      step.cancel.push(PASSWORD_CHECK);
      break;
    case 'login': {
      if (known.data.success) {
        step.patch.loginRetries = 0;
        step.patch.loginWait = undefined;
        // A guest has no channel rank to wait for; an account's arrives with `setUserRank`.
        if (known.data.guest === true) step.patch.rankSettled = true;
        else step.raise.push({ event: { type: 'rank.grace' }, delay: RANK_GRACE_MS, id: RANK_GRACE });
        step.log.push({
          level: 'info',
          msg: `logged in to ${context.input.channel} as ${known.data.name ?? self}`,
        });
        break;
      }
      const failure = classifyLoginFailure(
        known.data.error,
        context.input.username,
        context.input.password !== undefined,
      );
      if (failure.kind === 'retry' && context.loginRetries < context.input.maxLoginRetries) {
        const wait = failure.afterMs + 250 + Math.round(Math.random() * 500);
        step.log.push({
          level: 'warn',
          msg: `${clause(failure.reason)}: logging in again in ${Math.round(wait / 1000)} s`,
        });
        step.patch.loginRetries = context.loginRetries + 1;
        step.patch.loginWaitMs = wait;
        step.patch.loginWait = { reason: failure.reason, until: now + wait };
        step.raise.push({ event: { type: 'login.wait' } });
      }
      break;
    }
    case 'setUserRank':
      if (isSelf(known.data.name) && channel.loggedIn) step.patch.rankSettled = true;
      break;
    case 'kick':
      if (isTemporaryKick(known.data.reason)) {
        step.patch.refusal = known.data.reason;
        step.log.push({ level: 'warn', msg: `CyTube turned the bot away for now: ${known.data.reason}` });
      }
      break;
    default:
      break;
  }
  step.patch.outbox = outbox;

  const settled = settle(context.waiters, known, channel.self);
  step.patch.waiters = settled.waiters;
  for (const s of settled.settled) step.bus.push({ type: 'bus.reply', replyId: s.replyId, result: s.result });

  const halt = fatalReason(context, known);
  if (halt) {
    step.patch.halt = halt;
    step.log.push({ level: 'error', msg: `stopped: ${halt}` });
  }
  return step;
}

/** Leaving the channel: playlist requests still open are answered now, and their items dropped. */
export function abandonPlaylistRequests(context: CytubeContext, why: string): Step {
  const step = emptyStep();
  const replyIds = [...Object.values(context.pendingReplies), ...context.waiters.map((w) => w.replyId)];
  for (const replyId of replyIds)
    step.bus.push({ type: 'bus.reply', replyId, result: err('BUS_UNAVAILABLE', why) });
  step.patch = {
    pendingReplies: {},
    waiters: [],
    outbox: {
      ...context.outbox,
      queue: context.outbox.queue.filter((i) => i.kind === 'chat' || i.kind === 'pm'),
    },
  };
  return step;
}
