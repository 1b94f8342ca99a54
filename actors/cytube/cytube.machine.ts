import {
  assertEvent,
  assign,
  cancel,
  enqueueActions,
  raise,
  sendParent,
  sendTo,
  setup,
  type EventObject,
} from 'xstate';
import { z } from '../../contract/zod.js';
import { bridgeInput, busBridge, type BridgeCommand, type RequestEvent } from '../bus/bridge.actor.js';
import type { ChannelJoined } from '../../contract/messages/handover.js';
import {
  confirmedPublisher,
  type ConfirmedPublisherCommand,
  type ConfirmedPublisherEvent,
} from '../bus/confirmed-publisher.actor.js';
import { sendChatSchema, sendPmSchema } from '../../contract/messages/chat.js';
import {
  playlistAddRequestSchema,
  playlistDeleteRequestSchema,
  playlistJumpRequestSchema,
  playlistMoveRequestSchema,
} from '../../contract/messages/playlist-commands.js';
import type { ConnectorState } from '../../contract/messages/connector-state.js';
import { err, ok } from '../../contract/result.js';
import {
  sendAfkSchema,
  sendKickSchema,
  viewRequestSchema,
  type ChannelView,
  type ViewRequest,
} from '../../contract/messages/actions.js';
import { subjects } from '../../contract/subjects.js';
import { chatReceived, chatSent } from '../../contract/tracing.js';
import { childInfo, childReady } from '../../supervisors/child-protocol.js';
import { emptyChannel } from './channel-state.js';
import { initialContext, type CytubeContext, type CytubeInput } from './context.js';
import { flush, untilNextFlush } from './flush.js';
import {
  abandonPlaylistRequests,
  haltsOn,
  onServerEvent,
  PASSWORD_CHECK,
  passwordReason,
  RANK_GRACE,
} from './on-server-event.js';
import { onOutbound, type OutboundEvent } from './on-outbound.js';
import { emptyOutbox, requeueUnconfirmed, resetSession } from './outbox.js';
import { CYTUBE_PLATFORM } from './platform.js';
import { cytubeSocket, type SocketEvent } from './socket.actor.js';
import { discovery, type Discovery } from './discovery.actor.js';
import type { Step } from './step.js';
import {
  clause,
  clockTime,
  decideRetry,
  refusedForNow,
  serverWentAway,
  TOO_MANY_CONNECTIONS_WAIT_MS,
  type RetryCause,
} from './retry.js';

export type { CytubeInput } from './context.js';

type CytubeEvent =
  | SocketEvent
  | OutboundEvent
  | RequestEvent<'state.get', Record<string, never>>
  | RequestEvent<'view.get', ViewRequest>
  | RequestEvent<'rejoin', Record<string, never>>
  | { type: 'login.wait' }
  | { type: 'password.check' }
  | { type: 'pace' }
  | { type: 'rank.grace' }
  | { type: 'bus.bound' }
  | { type: 'bus.response' }
  | ConfirmedPublisherEvent
  | { type: 'rosey.shutdown' };

const OUTBOUND = [
  'send.chat',
  'send.pm',
  'send.kick',
  'send.afk',
  'playlist.add',
  'playlist.delete',
  'playlist.move',
  'playlist.jump',
] as const satisfies ReadonlyArray<OutboundEvent['type']>;

/** The same handling for every outbound event. */
const forOutbound = <A extends readonly string[]>(actions: A) =>
  Object.fromEntries(OUTBOUND.map((type) => [type, { actions }])) as Record<
    (typeof OUTBOUND)[number],
    { actions: A }
  >;

/** The part of XState's `enqueue` the handlers' steps need. */
interface Enqueue {
  /** A side effect, run with the step's other actions. */
  (effect: () => void): void;
  assign(patch: Partial<CytubeContext>): void;
  sendTo(to: string, event: EventObject & Record<string, unknown>): void;
  cancel(id: string): void;
  raise(event: CytubeEvent, options?: { delay?: number; id?: string }): void;
}

/** A chat line or PM published for the router starts its trace here (tracing on). */
function traceLine(context: CytubeContext, command: ConfirmedPublisherCommand): ConfirmedPublisherCommand {
  if (
    command.type !== 'delivery.publish' ||
    (command.subject !== subjects.message && command.subject !== subjects.pm)
  )
    return command;
  const from = chatReceived(CYTUBE_PLATFORM, context.input.channel);
  return from ? { ...command, from: { ...command.from, ...from } } : command;
}

/** Carries out what a pure handler decided. */
function apply(enqueue: Enqueue, context: CytubeContext, step: Step): void {
  const log = context.input.logger;
  for (const line of step.log) log[line.level](line.msg);
  if (Object.keys(step.patch).length > 0) enqueue.assign(step.patch);
  for (const command of step.bus) enqueue.sendTo('bus', command);
  for (const command of step.deliver) enqueue.sendTo('delivery', traceLine(context, command));
  for (const emit of step.socket)
    enqueue.sendTo('socket', { type: 'socket.emit', name: emit.name, data: emit.data });
  for (const id of step.cancel) enqueue.cancel(id);
  for (const told of step.told) enqueue(() => context.input.tally.emit(told));
  for (const r of step.raise)
    enqueue.raise(r.event as CytubeEvent, r.delay === undefined ? undefined : { delay: r.delay, id: r.id });
}

/**
 * Why the connector is not in the channel, and until when it waits (docs/cli.md: `rosey cytube
 * status` says why whenever the bot is not in the channel).
 */
export function statusReason(context: CytubeContext): string | undefined {
  if (context.halt !== undefined) return context.halt;
  if (context.phase === 'ready') return undefined;
  if (context.phase === 'backing-off' && context.retryAt !== undefined)
    return `${clause(context.lastError ?? 'connection lost')}; trying again at ${clockTime(context.retryAt)}`;
  if (context.phase === 'joining' && context.loginWait)
    return `${clause(context.loginWait.reason)}; logging in again at ${clockTime(context.loginWait.until)}`;
  return context.lastError;
}

/** A session is over: who was in the channel is no longer known (`rosey status` must not list them). */
const leftChannel = (context: CytubeContext) => ({
  ...context.channel,
  users: new Map(),
  inChannel: false,
});

/**
 * The CyTube connector: finds the channel's socket.io server, joins and logs in, keeps the
 * channel's state, publishes what happens on the bus (raw and normalised) and sends what Rosey
 * says, paced under the channel's flood limits. It reconnects with backoff after transport
 * trouble and stops trying, saying why, after a kick, a ban or refused credentials. The decisions
 * live in pure functions (on-server-event, on-outbound, flush); this machine says when.
 */
export const cytubeMachine = setup({
  types: {
    input: {} as CytubeInput,
    context: {} as CytubeContext,
    events: {} as CytubeEvent,
  },
  actors: { bus: busBridge, delivery: confirmedPublisher, socket: cytubeSocket, discovery },
  delays: {
    backoff: ({ context }) => context.retryDelayMs,
    connectTimeout: ({ context }) => context.input.connectTimeoutMs,
    joinTimeout: ({ context }) => context.input.joinTimeoutMs,
    loginWait: ({ context }) => context.loginWaitMs,
    wake: ({ context }) => untilNextFlush(context, context.input.now()),
  },
  guards: {
    haltsOnEvent: ({ context, event }) => {
      assertEvent(event, 'socket.event');
      return haltsOn(context, event.name, event.data);
    },
    // In the channel at the rank the channel gave (an account logs in at rank 1 and gets its
    // channel rank ~10 ms later): what is sent from `ready` on is checked against that rank.
    joined: ({ context }) => context.channel.loggedIn && context.channel.inChannel && context.rankSettled,
    halting: ({ context }) => context.halt !== undefined,
    refusedAtTheDoor: ({ event }) => {
      assertEvent(event, 'socket.closed');
      return /\bbanned\b/i.test(event.reason);
    },
    refusedForNow: ({ context, event }) => {
      assertEvent(event, 'socket.closed');
      return context.refusal !== undefined || refusedForNow(event.reason) !== undefined;
    },
    stillAtPasswordPrompt: ({ context }) => context.passwordPrompt && !context.channel.inChannel,
  },
  actions: {
    /** Something changed that may let the outbox move: flush again. */
    pace: raise({ type: 'pace' }),
    cancelPasswordCheck: cancel(PASSWORD_CHECK),
    /** Sends `rosey status` the facts that changed. */
    report: enqueueActions(({ context, enqueue, self }) => {
      const c = context.counters;
      const reason = statusReason(context);
      const info = {
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
      };
      const key = JSON.stringify(info);
      if (key === context.reported) return;
      enqueue.assign({ reported: key });
      enqueue(sendParent(childInfo(self, info)));
    }),
    emitJoin: enqueueActions(({ context, enqueue }) => {
      const { channel, channelPassword } = context.input;
      const data = channelPassword === undefined ? { name: channel } : { name: channel, pw: channelPassword };
      enqueue.sendTo('socket', { type: 'socket.emit', name: 'joinChannel', data });
    }),
    emitLogin: enqueueActions(({ context, enqueue }) => {
      const { username, password } = context.input;
      const data = password === undefined ? { name: username } : { name: username, pw: password };
      enqueue.sendTo('socket', { type: 'socket.emit', name: 'login', data });
    }),
    handleServerEvent: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'socket.event');
      apply(
        enqueue as unknown as Enqueue,
        context,
        onServerEvent(context, event.name, event.data, context.input.now()),
      );
    }),
    enqueueOutbound: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, OUTBOUND);
      // What Rosey says goes into the outbox within the line's trace; the outbox paces it from there.
      const handle = () =>
        apply(enqueue as unknown as Enqueue, context, onOutbound(context, event, context.input.now()));
      if (event.type === 'send.chat' || event.type === 'send.pm')
        chatSent(CYTUBE_PLATFORM, context.input.channel, event.meta, handle);
      else handle();
    }),
    flush: enqueueActions(({ context, enqueue }) =>
      apply(enqueue as unknown as Enqueue, context, flush(context, context.input.now())),
    ),
    abandonPlaylistRequests: enqueueActions(({ context, enqueue }) =>
      apply(
        enqueue as unknown as Enqueue,
        context,
        abandonPlaylistRequests(context, `the bot left ${context.input.channel} before CyTube confirmed it`),
      ),
    ),
    answerState: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'state.get');
      const ch = context.channel;
      enqueue.sendTo('bus', {
        type: 'bus.reply',
        replyId: event.replyId,
        result: ok({
          state: context.phase,
          reason: statusReason(context) ?? null,
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
        } satisfies ConnectorState),
      } satisfies BridgeCommand);
    }),
    answerView: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'view.get');
      const ch = context.channel;
      const view: ChannelView = {
        platform: CYTUBE_PLATFORM,
        channel: context.input.channel,
        state: context.phase,
        self: { name: ch.self ?? context.input.username, rank: ch.rank },
        // Not `muted`: a plugin has no business knowing who the moderators muted.
        users: [...ch.users.values()].map((u) => ({ name: u.name, rank: u.rank, afk: u.afk })),
        playlist: ch.playlist,
        current: ch.current ?? null,
        media: ch.media ?? null,
        playlistLocked: ch.playlistLocked,
      };
      enqueue.sendTo('bus', {
        type: 'bus.reply',
        replyId: event.replyId,
        result: ok(view),
      } satisfies BridgeCommand);
    }),
    acceptRejoin: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'rejoin');
      const was = { state: context.phase, reason: statusReason(context) ?? null };
      context.input.logger.info(`rejoining ${context.input.channel} on request (was ${context.phase})`);
      enqueue.sendTo('bus', { type: 'bus.reply', replyId: event.replyId, result: ok({ was }) });
      enqueue.assign({ halt: undefined, lastError: undefined, attempts: 0, probes: 0, retryAt: undefined });
    }),
    /**
     * "in <channel> as <bot> (rank n, …)", once per session, with the rank the channel gave: an
     * account logs in at rank 1 and gets its channel rank ~10 ms later (issue 21).
     */
    // For a node that takes the channel over from another (actors/cluster/takeover.ts); nobody
    // listens on a single Rosey.
    announceJoin: enqueueActions(({ context, enqueue }) =>
      enqueue.sendTo('bus', {
        type: 'bus.publish',
        subject: subjects.platformJoined(CYTUBE_PLATFORM),
        data: {
          platform: CYTUBE_PLATFORM,
          channel: context.input.channel,
          history: context.channel.history,
        } satisfies ChannelJoined,
      } satisfies BridgeCommand),
    ),
    logJoin: enqueueActions(({ context, enqueue }) => {
      if (context.joinLogged) return;
      enqueue.assign({ joinLogged: true });
      context.input.logger.info(
        `in ${context.input.channel} as ${context.channel.self} (rank ${context.channel.rank}, ${context.channel.users.size} users)`,
      );
    }),
  },
}).createMachine({
  id: 'cytube',
  context: ({ input }) => initialContext(input),
  invoke: [
    {
      id: 'bus',
      src: 'bus',
      input: ({ context }) => {
        const request = (subject: string, event: string, schema: z.ZodType) => ({ subject, event, schema });
        return bridgeInput(context.input, {
          // Playlist requests wait for CyTube's broadcast; the connector always answers first.
          serveTimeoutMs: context.input.queueTimeoutMs + context.input.maxQueueAgeMs + 5000,
          services: [
            {
              ...request(subjects.sendChat(CYTUBE_PLATFORM), 'send.chat', sendChatSchema),
              acceptPublish: true,
            },
            { ...request(subjects.sendPm(CYTUBE_PLATFORM), 'send.pm', sendPmSchema), acceptPublish: true },
            request(subjects.sendKick(CYTUBE_PLATFORM), 'send.kick', sendKickSchema),
            request(subjects.sendAfk(CYTUBE_PLATFORM), 'send.afk', sendAfkSchema),
            request(subjects.sendPlaylist(CYTUBE_PLATFORM, 'add'), 'playlist.add', playlistAddRequestSchema),
            request(
              subjects.sendPlaylist(CYTUBE_PLATFORM, 'delete'),
              'playlist.delete',
              playlistDeleteRequestSchema,
            ),
            request(
              subjects.sendPlaylist(CYTUBE_PLATFORM, 'move'),
              'playlist.move',
              playlistMoveRequestSchema,
            ),
            request(
              subjects.sendPlaylist(CYTUBE_PLATFORM, 'jump'),
              'playlist.jump',
              playlistJumpRequestSchema,
            ),
            request(subjects.platformState(CYTUBE_PLATFORM), 'state.get', z.object({}).passthrough()),
            request(subjects.platformRejoin(CYTUBE_PLATFORM), 'rejoin', z.object({}).passthrough()),
            // The action gate's `channel.read`: `{channel?}`, checked against the channel it is in.
            request(subjects.platformView(CYTUBE_PLATFORM), 'view.get', viewRequestSchema),
          ],
        });
      },
    },
    {
      id: 'delivery',
      src: 'delivery',
      input: ({ context }) => ({ link: context.input.link, logger: context.input.logger }),
    },
  ],
  on: {
    'bus.bound': {
      // Rosey's start does not wait for CyTube: the channel may be down, and that is what
      // reconnecting is for. `rosey status` shows how far the connector got.
      guard: ({ context }) => !context.bound,
      actions: [assign({ bound: true }), sendParent(({ self }) => childReady(self))],
    },
    // The channel is shared: a "not sent" line for every chat line would flood it, so the log says it.
    'delivery.refused': {
      actions: ({ context, event }) =>
        context.input.logger.warn(
          `${event.subject === subjects.message || event.subject === subjects.pm ? 'chat line' : 'channel event'} not passed on to Rosey (${event.reason}): ${event.what}`,
        ),
    },
    'state.get': { actions: 'answerState' },
    'view.get': [
      {
        guard: ({ context, event }) =>
          event.data.channel !== undefined && event.data.channel !== context.input.channel,
        actions: sendTo('bus', ({ context, event }) => ({
          type: 'bus.reply' as const,
          replyId: event.replyId,
          result: err(
            'VALIDATION_ERROR',
            `this connector is in channel ${context.input.channel}, not ${event.data.channel}`,
          ),
        })),
      },
      { actions: 'answerView' },
    ],
    // Halted and backing-off override this: only they have something to try again.
    rejoin: {
      actions: sendTo('bus', ({ context, event }) => ({
        type: 'bus.reply' as const,
        replyId: event.replyId,
        result: err('CONFLICT', `the connector is ${context.phase}, not halted or waiting to reconnect`),
      })),
    },
    ...forOutbound(['enqueueOutbound', 'report'] as const),
    'rosey.shutdown': '.stopped',
  },
  initial: 'discovering',
  states: {
    discovering: {
      entry: [assign({ phase: 'discovering' as const }), 'report'],
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
              // The site answers again: the next outage starts probing from the minimum.
              probes: 0,
            }),
          },
          {
            // Refused before the bot ever got in: the configuration is wrong. Refused later: more
            // likely maintenance or a proxy in the way, so keep trying.
            guard: ({ context, event }) =>
              (event.output as Discovery).kind === 'refused' && !context.everReady,
            target: 'halted',
            actions: assign({
              halt: ({ event }) => (event.output as Exclude<Discovery, { kind: 'found' }>).reason,
            }),
          },
          {
            target: 'backingOff',
            actions: assign({
              lastError: ({ event }) => (event.output as Exclude<Discovery, { kind: 'found' }>).reason,
              retryCause: { kind: 'unreachable' } as RetryCause,
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
        passwordPrompt: false,
        rankSettled: false,
        joinLogged: false,
        loginWait: undefined,
        refusal: undefined,
      })),
      exit: ['cancelPasswordCheck', cancel(RANK_GRACE)],
      on: {
        'socket.closed': [
          {
            guard: 'refusedAtTheDoor',
            target: 'halted',
            actions: assign({ halt: ({ event }) => `CyTube refused the connection: ${event.reason}` }),
          },
          { guard: 'halting', target: 'halted' },
          {
            // Temporary: CyTube's connection rate limit or its per-IP connection limit.
            guard: 'refusedForNow',
            target: 'backingOff',
            actions: assign(({ context, event }) => {
              const cause = context.refusal
                ? ({ kind: 'refused-for-now', atLeastMs: TOO_MANY_CONNECTIONS_WAIT_MS } as const)
                : refusedForNow(event.reason)!;
              return {
                retryCause: cause,
                lastError: `CyTube turned the bot away for now (${clause(context.refusal ?? event.reason)})`,
              };
            }),
          },
          {
            target: 'backingOff',
            actions: assign(({ event }) => ({
              lastError: `disconnected: ${event.reason}`,
              retryCause: { kind: 'session', serverGone: serverWentAway(event.reason) } as RetryCause,
            })),
          },
        ],
        'socket.event': [
          { guard: 'haltsOnEvent', target: 'halted', actions: 'handleServerEvent' },
          { actions: 'handleServerEvent' },
        ],
        'password.check': {
          guard: 'stillAtPasswordPrompt',
          target: 'halted',
          actions: assign({ halt: ({ context }) => passwordReason(context) }),
        },
      },
      initial: 'connecting',
      states: {
        connecting: {
          entry: [assign({ phase: 'connecting' as const }), 'report'],
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
          entry: [assign({ phase: 'joining' as const }), 'report', 'emitJoin', 'emitLogin'],
          always: { guard: 'joined', target: 'ready' },
          // CyTube asked us to wait before logging in again (the guest-login delay): the join
          // timeout starts over after the wait.
          on: {
            'login.wait': '.waitingToLogIn',
            // No channel rank came after the login (none is sent at a password prompt): go on.
            'rank.grace': { actions: assign({ rankSettled: true }) },
          },
          initial: 'waiting',
          states: {
            waiting: {
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
            waitingToLogIn: {
              // Reported with why and until when (the wait may be a minute).
              entry: 'report',
              after: {
                loginWait: {
                  target: 'waiting',
                  actions: [assign({ loginWait: undefined }), 'emitLogin', 'report'],
                },
              },
            },
          },
        },
        ready: {
          entry: [
            assign(({ context }) => ({
              phase: 'ready' as const,
              readyAt: context.input.now(),
              everReady: true,
              lastError: undefined,
              outbox: requeueUnconfirmed(context.outbox),
            })),
            'report',
            'logJoin',
            'announceJoin',
          ],
          exit: 'abandonPlaylistRequests',
          on: {
            'socket.event': [
              { guard: 'haltsOnEvent', target: '#cytube.halted', actions: 'handleServerEvent' },
              { actions: ['handleServerEvent', 'pace'] },
            ],
            ...forOutbound(['enqueueOutbound', 'pace'] as const),
          },
          initial: 'pacing',
          states: {
            // Sends what the limits allow, then sleeps until the next thing is due (or news).
            pacing: {
              entry: ['flush', 'report'],
              on: { pace: { target: 'pacing', reenter: true } },
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
          const cause = context.retryCause ?? { kind: 'session' };
          // A session that stayed up, or that was in the channel when its server went away (a
          // restart: issue 21, a flapping server's next outage must not wait longer each time),
          // starts the backoff over; a server that closes the bot's sessions does not.
          const stable =
            context.readyAt !== undefined &&
            (now - context.readyAt >= context.input.stableAfterMs ||
              (cause.kind === 'session' && cause.serverGone === true));
          const decided = decideRetry(
            cause,
            { attempts: context.attempts, probes: context.probes },
            context.input.reconnect,
            stable,
          );
          return {
            phase: 'backing-off' as const,
            attempts: decided.attempts,
            probes: decided.probes,
            retryDelayMs: decided.delayMs,
            retryAt: now + decided.delayMs,
            retryCause: undefined,
            refusal: undefined,
            readyAt: undefined,
            channel: leftChannel(context),
            counters: { ...context.counters, reconnects: context.counters.reconnects + 1 },
          };
        }),
        'report',
        ({ context }) =>
          context.input.logger.warn(
            `${clause(context.lastError ?? 'connection lost')}; reconnecting in ${context.retryDelayMs} ms (${context.probes > 0 ? `probe ${context.probes}` : `attempt ${context.attempts}`})`,
          ),
      ],
      after: { backoff: 'discovering' },
      on: { rejoin: { target: 'discovering', actions: 'acceptRejoin' } },
    },
    halted: {
      // Not final: the reason stays visible in `rosey status` and on the state subject, and
      // outbound requests get a clear refusal, until an operator restarts the connector.
      entry: [
        assign(({ context }) => ({
          phase: 'halted' as const,
          halt: context.halt ?? 'stopped',
          channel: leftChannel(context),
          // Nothing left in line will ever be sent.
          counters: {
            ...context.counters,
            dropped:
              context.counters.dropped + context.outbox.queue.length + context.outbox.unconfirmed.length,
          },
          outbox: emptyOutbox(),
        })),
        ({ context }) => context.input.logger.error(`stopped trying: ${context.halt}`),
        'report',
      ],
      // An operator who dealt with the reason (`rosey cytube rejoin`): start over, backoff reset.
      on: { rejoin: { target: 'discovering', actions: 'acceptRejoin' } },
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
