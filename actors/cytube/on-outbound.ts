import { CYTUBE_PLATFORM } from './platform.js';
import type { SendEvent } from '../bus/bridge.actor.js';
import type { SendAfk, SendKick } from '../../contract/messages/actions.js';
import type { SendChat, SendPm } from '../../contract/messages/chat.js';
import type {
  PlaylistAddRequest,
  PlaylistDeleteRequest,
  PlaylistJumpRequest,
  PlaylistMoveRequest,
} from '../../contract/messages/playlist-commands.js';
import { parseMediaLink } from '../../contract/media/media-link.js';
import { err, ok, type ErrorCode, type Result } from '../../contract/result.js';
import type { CytubeContext } from './context.js';
import type { OutItem, OutKind } from './outbox.js';
import { checkAll, describeRefusal, playlistPermission, queuePermissions } from './permissions.js';
import { splitMessage } from './split-message.js';
import { emptyStep, type Step } from './step.js';

export type OutboundEvent =
  | SendEvent<'send.chat', SendChat>
  | SendEvent<'send.pm', SendPm>
  | SendEvent<'send.kick', SendKick>
  | SendEvent<'send.afk', SendAfk>
  | SendEvent<'playlist.add', PlaylistAddRequest>
  | SendEvent<'playlist.delete', PlaylistDeleteRequest>
  | SendEvent<'playlist.move', PlaylistMoveRequest>
  | SendEvent<'playlist.jump', PlaylistJumpRequest>;

/**
 * A line starting with `/` is a command to CyTube (`/kick`, `/clear`, …): a bot repeating user
 * text must never run one. A zero-width space in front makes it plain text.
 */
export const guardCommand = (line: string) => (line.startsWith('/') ? `\u200b${line}` : line);

const label = (text: string) => (text.length > 40 ? `${text.slice(0, 39)}…` : text);

export function isMuted(context: CytubeContext): boolean {
  const { channel } = context;
  return channel.self !== undefined && channel.users.get(channel.self.toLowerCase())?.muted === true;
}

/** Takes a chat line, PM or playlist action into the outbox, or refuses it with a reason. */
export function onOutbound(context: CytubeContext, e: OutboundEvent, now: number): Step {
  const step = emptyStep();
  const answer = (result: Result<unknown>) => {
    if (e.replyId) step.bus.push({ type: 'bus.reply', replyId: e.replyId, result });
  };
  const refuse = (code: ErrorCode, message: string) => {
    const counters = { ...context.counters };
    if (code === 'FORBIDDEN') counters.refused++;
    else if (code !== 'VALIDATION_ERROR' && code !== 'NOT_FOUND') counters.dropped++;
    step.patch.counters = counters;
    step.log.push({ level: 'warn', msg: `not sent to CyTube: ${message}` });
    answer(err(code, message));
    return step;
  };
  const { channel, phase, input } = context;
  const ready = phase === 'ready';
  if (context.halt) return refuse('BUS_UNAVAILABLE', `the CyTube connector has stopped: ${context.halt}`);
  if (e.data.channel !== undefined && e.data.channel !== input.channel)
    return refuse('VALIDATION_ERROR', `this connector is in channel ${input.channel}, not ${e.data.channel}`);
  if (context.outbox.queue.length >= input.maxQueueLength)
    return refuse(
      'OVERLOADED',
      `${context.outbox.queue.length} items are already waiting to be sent to CyTube`,
    );
  // Checked now when the bot is in the channel; otherwise again when it is sent.
  const refusal = (permissions: string[]) =>
    ready ? checkAll(channel.permissions, channel.rank, permissions) : undefined;

  const items: Array<Omit<OutItem, 'seq' | 'enqueuedAt' | 'attempts'>> = [];
  if (e.type === 'send.chat' || e.type === 'send.pm') {
    const denied = refusal(['chat']);
    if (denied) return refuse('FORBIDDEN', describeRefusal(denied));
    if (ready && isMuted(context)) return refuse('FORBIDDEN', 'the bot is muted in this channel');
    if (e.type === 'send.pm') {
      const to = e.data.to.toLowerCase();
      if (to === (channel.self ?? input.username).toLowerCase())
        return refuse('VALIDATION_ERROR', 'the bot cannot PM itself');
      if (ready && !channel.users.has(to))
        return refuse('NOT_FOUND', `${e.data.to} is not in ${input.channel}`);
    }
    // One character of room for the command guard.
    const split = splitMessage(e.data.text, input.maxMessageLength - 1, input.maxReplyParts);
    if (split.parts.length === 0) return refuse('VALIDATION_ERROR', 'text is blank');
    if (split.truncated)
      step.log.push({ level: 'warn', msg: `a reply was cut to ${split.parts.length} lines` });
    for (const part of split.parts) {
      if (e.type === 'send.chat') {
        const text = guardCommand(part);
        items.push({
          kind: 'chat',
          event: 'chatMsg',
          payload: { msg: text, meta: {} },
          label: label(part),
          text,
        });
      } else {
        // CyTube does not run commands in PMs (a `/me` there stays text).
        const payload = { to: e.data.to, msg: part, meta: {} };
        items.push({
          kind: 'pm',
          event: 'pm',
          payload,
          label: `to ${e.data.to}: ${label(part)}`,
          text: part,
        });
      }
    }
    answer(ok({ parts: split.parts.length, truncated: split.truncated }));
    step.told.push({
      type: 'line.sent',
      platform: CYTUBE_PLATFORM,
      kind: e.type === 'send.pm' ? 'pm' : 'chat',
    });
  } else if (e.type === 'send.afk') {
    if (!ready)
      return refuse(
        'BUS_UNAVAILABLE',
        `not in ${input.channel} right now (${phase}): try again once the bot is back`,
      );
    const denied = refusal(['chat']);
    if (denied) return refuse('FORBIDDEN', describeRefusal(denied));
    if (isMuted(context)) return refuse('FORBIDDEN', 'the bot is muted in this channel');
    const now = channel.users.get((channel.self ?? input.username).toLowerCase())?.afk === true;
    const wanted = e.data.afk ?? !now;
    // CyTube's `/afk` toggles; asked for the status it already has, the bot sends nothing.
    if (wanted !== now)
      items.push({
        kind: 'chat',
        event: 'chatMsg',
        payload: { msg: '/afk', meta: {} },
        label: wanted ? 'afk' : 'back from afk',
        text: '/afk',
      });
    answer(ok({ afk: wanted }));
  } else if (e.type === 'send.kick') {
    if (!ready)
      return refuse(
        'BUS_UNAVAILABLE',
        `not in ${input.channel} right now (${phase}): try again once the bot is back`,
      );
    const denied = refusal(['kick']);
    if (denied) return refuse('FORBIDDEN', describeRefusal(denied));
    if (isMuted(context)) return refuse('FORBIDDEN', 'the bot is muted in this channel');
    const target = channel.users.get(e.data.user.toLowerCase());
    if (!target) return refuse('NOT_FOUND', `${e.data.user} is not in ${input.channel}`);
    if (target.name.toLowerCase() === (channel.self ?? input.username).toLowerCase())
      return refuse('VALIDATION_ERROR', 'the bot cannot kick itself');
    // CyTube ignores a kick of someone ranked as high as the bot, without a word.
    if (target.rank >= channel.rank)
      return refuse(
        'FORBIDDEN',
        `${target.name} has rank ${target.rank}; the bot (rank ${channel.rank}) cannot kick them`,
      );
    // A chat command: CyTube runs it and echoes nothing; the outbox takes that as delivered.
    const reason = (e.data.reason ?? '').replace(/\s+/g, ' ').trim();
    const text = `/kick ${target.name}${reason ? ` ${reason}` : ''}`.slice(0, input.maxMessageLength);
    items.push({
      kind: 'chat',
      event: 'chatMsg',
      payload: { msg: text, meta: {} },
      label: `kick ${target.name}`,
      text,
    });
    answer(ok({ kicked: target.name }));
  } else {
    if (!ready)
      return refuse(
        'BUS_UNAVAILABLE',
        `not in ${input.channel} right now (${phase}): try again once the bot is back`,
      );
    if (e.type === 'playlist.add') {
      const d = e.data;
      const ref = d.link !== undefined ? parseMediaLink(d.link) : ok({ type: d.type!, id: d.id! });
      if (!ref.ok) return refuse('VALIDATION_ERROR', ref.error.message);
      const denied = refusal(queuePermissions(ref.data.type, d.pos, channel.playlistLocked));
      if (denied) return refuse('FORBIDDEN', describeRefusal(denied));
      const payload = { id: ref.data.id, type: ref.data.type, pos: d.pos, temp: d.temp };
      items.push({
        kind: 'queue',
        event: 'queue',
        payload,
        label: `queue ${ref.data.type}:${ref.data.id.slice(0, 60)}`,
      });
    } else {
      const action = e.type === 'playlist.delete' ? 'delete' : e.type === 'playlist.move' ? 'move' : 'jump';
      const denied = refusal([playlistPermission(action, channel.playlistLocked)]);
      if (denied) return refuse('FORBIDDEN', describeRefusal(denied));
      if (!channel.playlist.some((i) => i.uid === e.data.uid))
        return refuse('NOT_FOUND', `no playlist item with uid ${e.data.uid}`);
      const kind: OutKind = action;
      if (e.type === 'playlist.move')
        items.push({
          kind,
          event: 'moveMedia',
          payload: { from: e.data.uid, after: e.data.after },
          label: `move ${e.data.uid}`,
        });
      else
        items.push({
          kind,
          event: action === 'delete' ? 'delete' : 'jumpTo',
          payload: e.data.uid,
          label: `${action} ${e.data.uid}`,
        });
    }
    // Answered once CyTube shows the change (or refuses it).
    if (e.replyId) step.patch.pendingReplies = { ...context.pendingReplies, [context.nextSeq]: e.replyId };
  }
  const queued = items.map((item, i) => ({
    ...item,
    seq: context.nextSeq + i,
    enqueuedAt: now,
    attempts: 0,
  }));
  step.patch.nextSeq = context.nextSeq + items.length;
  step.patch.outbox = { ...context.outbox, queue: [...context.outbox.queue, ...queued] };
  return step;
}
