import { assign, cancel, enqueueActions, sendParent, setup } from 'xstate';
import { z } from 'zod';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type RequestEvent,
  type SendEvent,
} from '../bus/bridge.js';
import type { BusLink } from '../../kernel/bus/bus-link.js';
import { sendChatSchema, sendPmSchema, type SendChat, type SendPm } from '../../kernel/contracts/chat.js';
import {
  playlistAddRequestSchema,
  playlistDeleteRequestSchema,
  playlistJumpRequestSchema,
  playlistMoveRequestSchema,
  type PlaylistAddRequest,
  type PlaylistDeleteRequest,
  type PlaylistJumpRequest,
  type PlaylistMoveRequest,
} from '../../kernel/contracts/playlist-commands.js';
import type { Logger } from '../../kernel/log/logger.js';
import { parseMediaLink } from '../../kernel/media/media-link.js';
import { err, ok, type Result } from '../../kernel/result.js';
import { subjects } from '../../kernel/subjects.js';
import { backoffDelay, type BackoffOptions } from '../../supervisors/backoff.js';
import { childInfo, childReady } from '../../supervisors/child-protocol.js';
import { applyServerEvent, emptyChannel, type ChannelState } from './channel-state.js';
import { publishChanges, publishChat, publishRaw } from './inbound.js';
import { CYTUBE_PLATFORM } from './platform.js';
import { limitsFor } from './limits.js';
import { classifyLoginFailure } from './login-result.js';
import { emptyCounters, type Counters } from './counters.js';
import {
  acknowledge,
  emptyOutbox,
  expire,
  nextExpiry,
  resetSession,
  takeDue,
  type OutItem,
  type OutKind,
  type Outbox,
} from './outbox.js';
import { checkAll, describeRefusal, playlistPermission, queuePermissions } from './permissions.js';
import { expireWaiters, settle, type Awaited, type PlaylistWaiter } from './playlist-replies.js';
import { parseServerEvent, type KnownServerEvent } from './server-events.js';
import { cytubeSocket, type SocketEvent } from './socket.actor.js';
import { discovery, type Discovery } from './socketconfig.js';
import { splitMessage } from './split-message.js';

export { CYTUBE_PLATFORM };

export interface CytubeInput {
  link: BusLink;
  logger: Logger;
  /** Base URL of the CyTube site, e.g. `https://cytu.be`. */
  server: string;
  channel: string;
  channelPassword?: string;
  username: string;
  /** Without one the bot joins as a guest. */
  password?: string;
  /** CyTube's `max-chat-message-length` (not sent to clients; 320 on a stock server). */
  maxMessageLength: number;
  /** A reply longer than this many lines is cut. */
  maxReplyParts: number;
  reconnect: BackoffOptions;
  /** A session that stayed up this long starts the backoff again from its minimum. */
  stableAfterMs?: number;
  discoveryTimeoutMs?: number;
  connectTimeoutMs?: number;
  joinTimeoutMs?: number;
  /** Lines not sent within this long (disconnected, flood-limited) are dropped and counted. */
  maxQueueAgeMs?: number;
  maxQueueLength?: number;
  playlistTimeoutMs?: number;
  /** Guest-login delay retries before giving up. */
  maxLoginRetries?: number;
  now?: () => number;
}

type Settings = Required<Omit<CytubeInput, 'channelPassword' | 'password'>> &
  Pick<CytubeInput, 'channelPassword' | 'password'>;

export type Phase = 'discovering' | 'connecting' | 'joining' | 'ready' | 'backing-off' | 'halted' | 'stopped';

interface CytubeContext {
  input: Settings;
  phase: Phase;
  socketUrl?: string;
  channel: ChannelState;
  outbox: Outbox;
  waiters: PlaylistWaiter[];
  /** Playlist items waiting in the outbox, with the request to answer. */
  pendingReplies: Record<number, string>;
  nextSeq: number;
  attempts: number;
  readyAt?: number;
  loginRetries: number;
  /** Why the connector stopped trying (kick, ban, bad credentials); shown by `rosey status`. */
  halt?: string;
  lastError?: string;
  counters: Counters;
  bound: boolean;
}

type CytubeEvent =
  | SocketEvent
  | SendEvent<'send.chat', SendChat>
  | SendEvent<'send.pm', SendPm>
  | RequestEvent<'playlist.add', PlaylistAddRequest>
  | RequestEvent<'playlist.delete', PlaylistDeleteRequest>
  | RequestEvent<'playlist.move', PlaylistMoveRequest>
  | RequestEvent<'playlist.jump', PlaylistJumpRequest>
  | RequestEvent<'state.get', Record<string, never>>
  | { type: 'login.retry' }
  | { type: 'bus.bound' }
  | { type: 'bus.response' }
  | { type: 'rosey.shutdown' };

type OutboundEvent = Extract<CytubeEvent, { type: 'send.chat' | 'send.pm' | `playlist.${string}` }>;

const RESERVED_RAW = new Set(['send', 'state']);
const LOGIN_RETRY = 'login-retry';

const reply = (replyId: string | undefined, result: Result<unknown>): BridgeCommand[] =>
  replyId ? [{ type: 'bus.reply', replyId, result }] : [];

/** What ends the connector's attempts for good, if this server event does. */
function fatalReason(context: CytubeContext, name: string, data: unknown): string | undefined {
  const parsed = parseServerEvent(name, data);
  if (parsed.kind !== 'known') return undefined;
  const event = parsed.event;
  const { channel, username, password, channelPassword } = context.input;
  switch (event.name) {
    case 'kick':
      return /duplicate login/i.test(event.data.reason)
        ? `another connection logged in as ${username} and CyTube dropped this one (Duplicate login); not reconnecting, or the two would keep kicking each other`
        : `kicked from ${channel}: ${event.data.reason || 'no reason given'}`;
    case 'needPassword':
      return channelPassword === undefined
        ? `channel ${channel} has a password: set platforms.cytube.channelPassword (or CYTUBE_CHANNEL_PASSWORD)`
        : `CyTube refused the channel password for ${channel}`;
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

/**
 * The CyTube connector: finds the channel's socket.io server, joins and logs in, keeps the
 * channel's state, publishes what happens on the bus (raw and normalised) and sends what Rosey
 * says, paced under the channel's flood limits. It reconnects with backoff after transport
 * trouble and stops trying, saying why, after a kick, a ban or refused credentials.
 */
export const cytubeMachine = setup({
  types: {
    input: {} as CytubeInput,
    context: {} as CytubeContext,
    events: {} as CytubeEvent,
  },
  actors: { bus: busBridge, socket: cytubeSocket, discovery },
  delays: {
    backoff: ({ context }) => backoffDelay(Math.max(0, context.attempts - 1), context.input.reconnect),
    connectTimeout: ({ context }) => context.input.connectTimeoutMs,
    joinTimeout: ({ context }) => context.input.joinTimeoutMs,
    wake: ({ context }) => {
      const now = context.input.now();
      const { maxQueueAgeMs } = context.input;
      const limits = limitsFor(context.channel);
      const due = takeDue(context.outbox, limits, now).wakeAt;
      const times = [
        due,
        nextExpiry(context.outbox, maxQueueAgeMs),
        ...context.waiters.map((w) => w.deadline),
      ].filter((t): t is number => t !== undefined);
      // Nothing pending: an idle tick keeps housekeeping honest without busy timers.
      return times.length === 0 ? 60_000 : Math.max(1, Math.min(...times) - now);
    },
  },
  guards: {
    fatal: ({ context, event }) =>
      event.type === 'socket.event' && fatalReason(context, event.name, event.data) !== undefined,
    joined: ({ context }) => context.channel.loggedIn && context.channel.inChannel,
    halting: ({ context }) => context.halt !== undefined,
  },
  actions: {
    report: enqueueActions(({ context, enqueue, self }) => {
      const c = context.counters;
      const reason = context.halt ?? (context.phase === 'ready' ? undefined : context.lastError);
      enqueue(
        sendParent(
          childInfo(self, {
            state: context.phase,
            channel: context.input.channel,
            user: context.channel.self ?? context.input.username,
            users: context.channel.users.size,
            rank: context.channel.rank,
            ...(reason ? { reason } : {}),
            reconnects: c.reconnects,
            sent: c.sent,
            dropped: c.dropped,
            refused: c.refused,
            serverDrops: c.serverDrops,
          }),
        ),
      );
    }),
    emitJoin: enqueueActions(({ context, enqueue }) => {
      const { channel, channelPassword, username, password } = context.input;
      enqueue.sendTo('socket', {
        type: 'socket.emit',
        name: 'joinChannel',
        data: channelPassword === undefined ? { name: channel } : { name: channel, pw: channelPassword },
      });
      enqueue.sendTo('socket', {
        type: 'socket.emit',
        name: 'login',
        data: password === undefined ? { name: username } : { name: username, pw: password },
      });
    }),
    emitLogin: enqueueActions(({ context, enqueue }) => {
      const { username, password } = context.input;
      enqueue.sendTo('socket', {
        type: 'socket.emit',
        name: 'login',
        data: password === undefined ? { name: username } : { name: username, pw: password },
      });
    }),
    /** Everything a server event means: state, bus traffic, flood bookkeeping, playlist replies. */
    handleServerEvent: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'socket.event') return;
      const log = context.input.logger;
      const now = context.input.now();
      const counters = { ...context.counters, received: context.counters.received + 1 };
      if (/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(event.name) && !RESERVED_RAW.has(event.name)) {
        for (const c of publishRaw(event.name, event.data)) enqueue.sendTo('bus', c);
      }
      const parsed = parseServerEvent(event.name, event.data);
      if (parsed.kind === 'invalid') {
        log.warn(`ignored a malformed ${event.name} from CyTube: ${parsed.problem}`);
        enqueue.assign({ counters: { ...counters, invalid: counters.invalid + 1 } });
        return;
      }
      if (parsed.kind === 'unknown') {
        enqueue.assign({ counters });
        return;
      }
      const known: KnownServerEvent = parsed.event;
      const applied = applyServerEvent(context.channel, known);
      if (applied.note) log.warn(applied.note);
      const where = { platform: CYTUBE_PLATFORM, channel: context.input.channel, time: now };
      for (const c of publishChanges(applied.changes, where)) enqueue.sendTo('bus', c);
      const channel = applied.state;
      const self = channel.self ?? context.input.username;
      let outbox = context.outbox;
      const limits = limitsFor(channel);
      const ack = (answer: Parameters<typeof acknowledge>[1]) => {
        const r = acknowledge(outbox, answer, limits, now);
        outbox = r.outbox;
        switch (r.outcome.kind) {
          case 'resent':
            counters.serverDrops++;
            counters.resent++;
            log.warn(`CyTube dropped "${r.outcome.item.label}" (flood limit); sending it again`);
            break;
          case 'given-up':
            counters.serverDrops++;
            counters.dropped++;
            log.error(
              `CyTube dropped "${r.outcome.item.label}" ${r.outcome.item.attempts} times; giving up on it`,
            );
            break;
          case 'failed':
            counters.failed++;
            log.warn(`CyTube did not deliver "${r.outcome.item.label}": ${r.outcome.reason}`);
            break;
          case 'none':
            if (answer.kind === 'cooldown') counters.serverDrops++;
            break;
        }
      };
      switch (known.name) {
        case 'chatMsg':
          if (!channel.inChannel) break; // the history replay: old lines, already answered
          if (known.data.username.toLowerCase() === self.toLowerCase()) ack({ kind: 'echo' });
          for (const c of publishChat(known.data, channel, self, where, false)) enqueue.sendTo('bus', c);
          break;
        case 'pm':
          if (known.data.username.toLowerCase() === self.toLowerCase()) ack({ kind: 'echo' });
          for (const c of publishChat(known.data, channel, self, where, true)) enqueue.sendTo('bus', c);
          break;
        case 'cooldown':
          ack({ kind: 'cooldown', ms: Math.min(Math.max(known.data, 0), 30_000) });
          break;
        case 'noflood':
          ack({ kind: 'refused', reason: known.data.msg });
          break;
        case 'errorMsg':
          if (/^PM failed|can't PM yourself|for message (chatMsg|pm)\b/i.test(known.data.msg))
            ack({ kind: 'refused', reason: known.data.msg });
          else log.warn(`CyTube: ${known.data.msg}`);
          break;
        case 'login':
          if (known.data.success) {
            log.info(`logged in to ${context.input.channel} as ${known.data.name ?? self}`);
          } else {
            const failure = classifyLoginFailure(
              known.data.error,
              context.input.username,
              context.input.password !== undefined,
            );
            if (failure.kind === 'retry' && context.loginRetries < context.input.maxLoginRetries) {
              log.warn(`${failure.reason}: logging in again in ${Math.round(failure.afterMs / 1000)} s`);
              enqueue.assign({ loginRetries: context.loginRetries + 1 });
              enqueue.raise(
                { type: 'login.retry' },
                { id: LOGIN_RETRY, delay: failure.afterMs + 250 + Math.round(Math.random() * 500) },
              );
            }
          }
          break;
        default:
          break;
      }
      const settled = settle(context.waiters, known, channel.self);
      for (const s of settled.settled) for (const c of reply(s.replyId, s.result)) enqueue.sendTo('bus', c);
      const halt = fatalReason(context, event.name, event.data);
      if (halt) log.error(`stopped: ${halt}`);
      enqueue.assign({
        channel,
        outbox,
        counters,
        waiters: settled.waiters,
        ...(halt ? { halt } : {}),
      });
    }),
    enqueueOutbound: enqueueActions(({ context, event, enqueue }) => {
      const e = event as OutboundEvent;
      const now = context.input.now();
      const log = context.input.logger;
      const answer = (result: Result<unknown>) => {
        for (const c of reply(e.replyId, result)) enqueue.sendTo('bus', c);
      };
      const refuse = (
        code: 'FORBIDDEN' | 'VALIDATION_ERROR' | 'BUS_UNAVAILABLE' | 'TIMEOUT',
        message: string,
      ) => {
        const counters = { ...context.counters };
        if (code === 'FORBIDDEN') counters.refused++;
        else counters.dropped++;
        enqueue.assign({ counters });
        log.warn(`not sent to CyTube: ${message}`);
        answer(err(code, message));
      };
      if (context.halt) return refuse('BUS_UNAVAILABLE', `the CyTube connector has stopped: ${context.halt}`);
      if (e.data.channel !== undefined && e.data.channel !== context.input.channel)
        return refuse(
          'VALIDATION_ERROR',
          `this connector is in channel ${context.input.channel}, not ${e.data.channel}`,
        );
      if (context.outbox.queue.length >= context.input.maxQueueLength)
        return refuse(
          'TIMEOUT',
          `${context.outbox.queue.length} items are already waiting to be sent to CyTube`,
        );
      const items: Array<Omit<OutItem, 'seq' | 'enqueuedAt' | 'attempts'>> = [];
      let answerNow: Result<unknown> | undefined;
      const ready = context.phase === 'ready';
      const { channel } = context;
      const checkNow = (permissions: string[]) =>
        ready ? checkAll(channel.permissions, channel.rank, permissions) : undefined;
      switch (e.type) {
        case 'send.chat':
        case 'send.pm': {
          const refusal = checkNow(['chat']);
          if (refusal) return refuse('FORBIDDEN', describeRefusal(refusal));
          const split = splitMessage(
            e.data.text,
            context.input.maxMessageLength,
            context.input.maxReplyParts,
          );
          if (split.parts.length === 0) return refuse('VALIDATION_ERROR', 'text is blank');
          if (split.truncated) log.warn(`a reply was cut to ${split.parts.length} lines`);
          for (const part of split.parts) {
            const label = part.length > 40 ? `${part.slice(0, 39)}…` : part;
            items.push(
              e.type === 'send.chat'
                ? { kind: 'chat', event: 'chatMsg', payload: { msg: part, meta: {} }, label }
                : {
                    kind: 'pm',
                    event: 'pm',
                    payload: { to: e.data.to, msg: part, meta: {} },
                    label: `to ${e.data.to}: ${label}`,
                  },
            );
          }
          answerNow = ok({ parts: split.parts.length, truncated: split.truncated });
          break;
        }
        case 'playlist.add': {
          const ref =
            e.data.link !== undefined
              ? parseMediaLink(e.data.link)
              : ok({ type: e.data.type!, id: e.data.id! });
          if (!ref.ok) return refuse('VALIDATION_ERROR', ref.error.message);
          const refusal = checkNow(
            queuePermissions(ref.data.type, e.data.pos, e.data.temp, channel.playlistLocked),
          );
          if (refusal) return refuse('FORBIDDEN', describeRefusal(refusal));
          items.push({
            kind: 'queue',
            event: 'queue',
            payload: { id: ref.data.id, type: ref.data.type, pos: e.data.pos, temp: e.data.temp },
            label: `queue ${ref.data.type}:${ref.data.id.slice(0, 60)}`,
          });
          break;
        }
        case 'playlist.delete':
        case 'playlist.move':
        case 'playlist.jump': {
          const action =
            e.type === 'playlist.delete' ? 'delete' : e.type === 'playlist.move' ? 'move' : 'jump';
          const refusal = checkNow([playlistPermission(action, channel.playlistLocked)]);
          if (refusal) return refuse('FORBIDDEN', describeRefusal(refusal));
          if (ready && !channel.playlist.some((i) => i.uid === e.data.uid))
            return answer(err('NOT_FOUND', `no playlist item with uid ${e.data.uid}`));
          const kind: OutKind = action;
          items.push(
            e.type === 'playlist.move'
              ? {
                  kind,
                  event: 'moveMedia',
                  payload: { from: e.data.uid, after: e.data.after },
                  label: `move ${e.data.uid}`,
                }
              : {
                  kind,
                  event: action === 'delete' ? 'delete' : 'jumpTo',
                  payload: e.data.uid,
                  label: `${action} ${e.data.uid}`,
                },
          );
          break;
        }
      }
      const queued = items.map((item, i) => ({
        ...item,
        seq: context.nextSeq + i,
        enqueuedAt: now,
        attempts: 0,
      }));
      const pendingReplies = { ...context.pendingReplies };
      // Playlist requests are answered once CyTube shows the change; chat once it is in line.
      if (!answerNow && e.replyId) pendingReplies[queued[0]!.seq] = e.replyId;
      enqueue.assign({
        nextSeq: context.nextSeq + items.length,
        outbox: { ...context.outbox, queue: [...context.outbox.queue, ...queued] },
        pendingReplies,
      });
      if (answerNow) answer(answerNow);
    }),
    /** Sends what the flood limits allow now; checks permissions against the latest channel state. */
    flush: enqueueActions(({ context, enqueue }) => {
      const now = context.input.now();
      const log = context.input.logger;
      const counters = { ...context.counters };
      const expired = expire(context.outbox, now, context.input.maxQueueAgeMs);
      const pendingReplies = { ...context.pendingReplies };
      const failItem = (item: OutItem, code: 'FORBIDDEN' | 'TIMEOUT', message: string) => {
        const replyId = pendingReplies[item.seq];
        delete pendingReplies[item.seq];
        for (const c of reply(replyId, err(code, message))) enqueue.sendTo('bus', c);
      };
      for (const item of expired.dropped) {
        counters.dropped++;
        log.error(
          `dropped "${item.label}": not sent within ${context.input.maxQueueAgeMs} ms (${context.phase})`,
        );
        failItem(item, 'TIMEOUT', `not sent within ${context.input.maxQueueAgeMs} ms`);
      }
      const limits = limitsFor(context.channel);
      const taken = takeDue(expired.outbox, limits, now);
      const waiters = [...context.waiters];
      const { channel } = context;
      for (const item of taken.due) {
        const needed = permissionsFor(item, channel.playlistLocked);
        const refusal = checkAll(channel.permissions, channel.rank, needed);
        const muted = (item.kind === 'chat' && selfMuted(channel)) || undefined;
        if (refusal || muted) {
          const why = refusal ? describeRefusal(refusal) : 'the bot is muted in this channel';
          counters.refused++;
          log.warn(`not sent to CyTube: "${item.label}": ${why}`);
          failItem(item, 'FORBIDDEN', why);
          continue;
        }
        if (now - item.enqueuedAt > 5) counters.deferred++;
        counters.sent++;
        enqueue.sendTo('socket', { type: 'socket.emit', name: item.event, data: item.payload });
        const replyId = pendingReplies[item.seq];
        if (replyId) {
          delete pendingReplies[item.seq];
          waiters.push({
            replyId,
            awaits: awaitedFor(item),
            deadline: now + context.input.playlistTimeoutMs,
          });
        }
      }
      const late = expireWaiters(waiters, now);
      for (const s of late.settled) for (const c of reply(s.replyId, s.result)) enqueue.sendTo('bus', c);
      enqueue.assign({
        outbox: taken.outbox,
        counters,
        pendingReplies,
        waiters: late.waiters,
      });
    }),
    answerState: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'state.get') return;
      const ch = context.channel;
      enqueue.sendTo('bus', {
        type: 'bus.reply',
        replyId: event.replyId,
        result: ok({
          state: context.phase,
          reason: context.halt ?? context.lastError ?? null,
          server: context.input.server,
          channel: context.input.channel,
          user: ch.self ?? context.input.username,
          guest: ch.guest,
          rank: ch.rank,
          users: [...ch.users.values()],
          playlist: ch.playlist,
          playlistLocked: ch.playlistLocked,
          current: ch.current ?? null,
          media: ch.media ?? null,
          options: ch.options,
          permissions: ch.permissions,
          queued: context.outbox.queue.length,
          counters: context.counters,
        }),
      } satisfies BridgeCommand);
    }),
  },
}).createMachine({
  id: 'cytube',
  context: ({ input }) => ({
    input: {
      stableAfterMs: 30_000,
      discoveryTimeoutMs: 10_000,
      connectTimeoutMs: 15_000,
      joinTimeoutMs: 30_000,
      maxQueueAgeMs: 60_000,
      maxQueueLength: 500,
      playlistTimeoutMs: 5000,
      maxLoginRetries: 3,
      now: () => Date.now(),
      ...input,
    },
    phase: 'discovering',
    channel: emptyChannel(),
    outbox: emptyOutbox(),
    waiters: [],
    pendingReplies: {},
    nextSeq: 1,
    attempts: 0,
    loginRetries: 0,
    counters: emptyCounters(),
    bound: false,
  }),
  invoke: {
    id: 'bus',
    src: 'bus',
    input: ({ context }) =>
      bridgeInput(context.input, {
        services: [
          {
            subject: subjects.sendChat(CYTUBE_PLATFORM),
            event: 'send.chat',
            schema: sendChatSchema,
            acceptPublish: true,
          },
          {
            subject: subjects.sendPm(CYTUBE_PLATFORM),
            event: 'send.pm',
            schema: sendPmSchema,
            acceptPublish: true,
          },
          {
            subject: subjects.sendPlaylist(CYTUBE_PLATFORM, 'add'),
            event: 'playlist.add',
            schema: playlistAddRequestSchema,
          },
          {
            subject: subjects.sendPlaylist(CYTUBE_PLATFORM, 'delete'),
            event: 'playlist.delete',
            schema: playlistDeleteRequestSchema,
          },
          {
            subject: subjects.sendPlaylist(CYTUBE_PLATFORM, 'move'),
            event: 'playlist.move',
            schema: playlistMoveRequestSchema,
          },
          {
            subject: subjects.sendPlaylist(CYTUBE_PLATFORM, 'jump'),
            event: 'playlist.jump',
            schema: playlistJumpRequestSchema,
          },
          {
            subject: subjects.platformState(CYTUBE_PLATFORM),
            event: 'state.get',
            schema: z.object({}).passthrough(),
          },
        ],
      }),
  },
  on: {
    'bus.bound': {
      // Rosey's start does not wait for CyTube: the channel may be down, and that is what
      // reconnecting is for. `rosey status` shows how far the connector got.
      guard: ({ context }) => !context.bound,
      actions: [assign({ bound: true }), sendParent(({ self }) => childReady(self))],
    },
    'state.get': { actions: 'answerState' },
    'send.chat': { actions: 'enqueueOutbound' },
    'send.pm': { actions: 'enqueueOutbound' },
    'playlist.add': { actions: 'enqueueOutbound' },
    'playlist.delete': { actions: 'enqueueOutbound' },
    'playlist.move': { actions: 'enqueueOutbound' },
    'playlist.jump': { actions: 'enqueueOutbound' },
    'rosey.shutdown': '.stopped',
  },
  initial: 'discovering',
  states: {
    discovering: {
      entry: [assign({ phase: 'discovering' }), 'report'],
      invoke: {
        src: 'discovery',
        input: ({ context }) => ({
          server: context.input.server,
          channel: context.input.channel,
          timeoutMs: context.input.discoveryTimeoutMs,
        }),
        onDone: [
          {
            guard: ({ event }) => (event.output as Discovery).kind === 'found',
            target: 'online',
            actions: assign({
              socketUrl: ({ event }) => (event.output as Extract<Discovery, { kind: 'found' }>).url,
            }),
          },
          {
            guard: ({ event }) => (event.output as Discovery).kind === 'refused',
            target: 'halted',
            actions: assign({
              halt: ({ event }) => (event.output as Exclude<Discovery, { kind: 'found' }>).reason,
            }),
          },
          {
            target: 'backingOff',
            actions: assign({
              lastError: ({ event }) => (event.output as Exclude<Discovery, { kind: 'found' }>).reason,
            }),
          },
        ],
      },
    },
    online: {
      invoke: {
        id: 'socket',
        src: 'socket',
        input: ({ context }) => ({ url: context.socketUrl!, timeoutMs: context.input.connectTimeoutMs }),
      },
      entry: assign(({ context }) => ({
        // A new session: the join burst rebuilds the channel; the media survives so a reconnect
        // is not announced as a media change.
        channel: { ...emptyChannel(), media: context.channel.media },
        outbox: resetSession(context.outbox),
        loginRetries: 0,
      })),
      exit: cancel(LOGIN_RETRY),
      on: {
        'socket.closed': [
          { guard: 'halting', target: 'halted' },
          {
            target: 'backingOff',
            actions: assign({ lastError: ({ event }) => `disconnected: ${event.reason}` }),
          },
        ],
        'socket.event': [
          { guard: 'fatal', target: 'halted', actions: 'handleServerEvent' },
          { actions: 'handleServerEvent' },
        ],
      },
      initial: 'connecting',
      states: {
        connecting: {
          entry: [assign({ phase: 'connecting' }), 'report'],
          on: { 'socket.connected': 'joining' },
          after: {
            connectTimeout: {
              target: '#cytube.backingOff',
              actions: assign({
                lastError: ({ context }) => `no connection to ${context.socketUrl} in time`,
              }),
            },
          },
        },
        joining: {
          entry: [assign({ phase: 'joining' }), 'report', 'emitJoin'],
          always: { guard: 'joined', target: 'ready' },
          on: { 'login.retry': { actions: 'emitLogin' } },
          after: {
            joinTimeout: {
              target: '#cytube.backingOff',
              actions: assign({
                lastError: ({ context }) =>
                  `joined ${context.input.channel} only partly in time (logged in: ${context.channel.loggedIn}, user list: ${context.channel.inChannel})`,
              }),
            },
          },
        },
        ready: {
          entry: [
            assign({ phase: 'ready', readyAt: ({ context }) => context.input.now(), lastError: undefined }),
            'report',
            ({ context }) =>
              context.input.logger.info(
                `in ${context.input.channel} as ${context.channel.self} (rank ${context.channel.rank}, ${context.channel.users.size} users)`,
              ),
          ],
          on: {
            'socket.event': [
              { guard: 'fatal', target: '#cytube.halted', actions: 'handleServerEvent' },
              { target: '.pacing', reenter: true, actions: 'handleServerEvent' },
            ],
            'send.chat': { target: '.pacing', reenter: true, actions: 'enqueueOutbound' },
            'send.pm': { target: '.pacing', reenter: true, actions: 'enqueueOutbound' },
            'playlist.add': { target: '.pacing', reenter: true, actions: 'enqueueOutbound' },
            'playlist.delete': { target: '.pacing', reenter: true, actions: 'enqueueOutbound' },
            'playlist.move': { target: '.pacing', reenter: true, actions: 'enqueueOutbound' },
            'playlist.jump': { target: '.pacing', reenter: true, actions: 'enqueueOutbound' },
          },
          initial: 'pacing',
          states: {
            pacing: {
              entry: 'flush',
              after: { wake: { target: 'pacing', reenter: true } },
            },
          },
        },
      },
    },
    backingOff: {
      entry: [
        assign(({ context }) => {
          const now = context.input.now();
          const stable =
            context.readyAt !== undefined && now - context.readyAt >= context.input.stableAfterMs;
          return {
            phase: 'backing-off' as const,
            attempts: (stable ? 0 : context.attempts) + 1,
            readyAt: undefined,
            counters: { ...context.counters, reconnects: context.counters.reconnects + 1 },
          };
        }),
        'report',
        ({ context }) =>
          context.input.logger.warn(
            `${context.lastError ?? 'connection lost'}; reconnecting (attempt ${context.attempts})`,
          ),
      ],
      after: { backoff: 'discovering' },
    },
    halted: {
      // Not final: the reason stays visible in `rosey status` and on the state subject, and
      // outbound requests get a clear refusal, until an operator restarts the connector.
      entry: [
        assign(({ context }) => ({
          phase: 'halted' as const,
          halt: context.halt ?? 'stopped',
          // Nothing left in line will ever be sent.
          counters: { ...context.counters, dropped: context.counters.dropped + context.outbox.queue.length },
          outbox: emptyOutbox(),
        })),
        'report',
      ],
    },
    stopped: {
      type: 'final',
      entry: ({ context }) => {
        if (context.outbox.queue.length > 0)
          context.input.logger.warn(
            `stopping with ${context.outbox.queue.length} lines not yet sent to CyTube`,
          );
      },
    },
  },
});

function permissionsFor(item: OutItem, locked: boolean): string[] {
  switch (item.kind) {
    case 'chat':
    case 'pm':
      return ['chat'];
    case 'queue': {
      const p = item.payload as { type: string; pos: 'end' | 'next'; temp: boolean };
      return queuePermissions(p.type, p.pos, p.temp, locked);
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

function selfMuted(channel: ChannelState): boolean {
  return channel.self !== undefined && channel.users.get(channel.self.toLowerCase())?.muted === true;
}
