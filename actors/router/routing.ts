import type { z } from '../../contract/zod.js';
import type { BridgeCommand, BusResponseEvent, InboundEvent, RequestEvent } from '../bus/bridge.actor.js';
import type { ConfirmedPublisherCommand, ConfirmedPublisherEvent } from '../bus/confirmed-publisher.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { MessageMeta } from '../../contract/envelope.js';
import type {
  holdRequestSchema,
  InstalledChange,
  pluginRequestSchema,
  routeRequestSchema,
} from '../../contract/messages/router.js';
import { SYSTEM_RANK, type ChatMessage } from '../../contract/messages/chat.js';
import type { ExecuteRequest, PluginAnnouncement, PluginDown } from '../../contract/messages/commands.js';
import type { Logger } from '../../contract/log.js';
import type { Span } from '../../contract/tracing.js';
import { subjects } from '../../contract/subjects.js';
import type { CommandOutcome, Tally, TallyEvent } from '../tally/tally.js';
import { MAX_RECORDED_LINE, MAX_RECORDED_REPLY, type HandledLine } from '../../contract/messages/handover.js';
import { checkCooldown, cooldownKey, markWarned, startCooldown, type Cooldowns } from './cooldowns.js';
import { helpText } from './help.js';
import { ADMIN_COMMAND } from '../../contract/messages/admin.js';
import {
  failedUndeclared,
  failureOf,
  isInstalled,
  isServing,
  ownerOf,
  undeclared,
  type InstalledPlugin,
} from './installed.js';
import { MAX_ARGS, MAX_LINE, parseCommand, type ParsedLine } from './parse-command.js';
import { lookup, type Registry } from './registry.js';
import {
  cooldownReply,
  notRunningReply,
  rankReply,
  startingReply,
  stillStartingReply,
  tooLongReply,
  tooManyArgsReply,
  unknownCommandReply,
} from './replies.js';

/*
 * The router's state and what it does with one command line, as pure functions of it: the machine
 * (router.machine.ts) feeds events in and carries out the effects (requests, replies, timers).
 */

export interface RouterInput {
  link: BusLink;
  logger?: Logger;
  botName: string;
  prefix: string;
  commandTimeoutMs: number;
  /** Per-user cooldown for commands that do not declare their own. */
  defaultCooldownMs: number;
  /**
   * Platforms whose users are never cooled down: `rosey dev`'s console, where one person or a
   * script types every line and a dropped line is a lost answer, not a quieter channel (issue 16).
   */
  cooldownFreePlatforms?: string[];
  /**
   * The plugins Rosey runs, with the commands each declared when it last ran: a command of one that
   * is not serving yet waits for it instead of being called unknown (issue 28).
   */
  installed?: InstalledPlugin[];
  /** How long such a command waits for its plugin before it is told the plugin is starting. */
  startWaitMs?: number;
  /** How many commands may wait at once; beyond that they are told at once. */
  startQueueMax?: number;
  /** Keeps what an installed plugin announced, for the next start (app/known-commands.ts). */
  remember?: (announcement: PluginAnnouncement) => void;
  /**
   * On a node of a cluster, the platforms whose channel a node takes over from another (CyTube):
   * each answer to one of their channel lines is preceded by its record on `rosey.router.handled`,
   * which the next holder of the channel goes by (actors/cluster/takeover.ts). Lines of other
   * platforms (the console, `rosey chat`) are the node's own and never leave it.
   */
  recordHandled?: string[];
  /** Where the command outcomes and chat lines are told, for the metrics actor (actors/tally). */
  tally?: Tally;
  now?: () => number;
}

/** Where a command came from, so its reply goes back there. */
export interface Origin {
  platform: string;
  channel: string;
  user: string;
  private: boolean;
  meta: MessageMeta;
  /** The line as the platform timed it, when its answer is recorded (`recordHandled`). */
  line?: { time: number; text: string };
}

export interface InFlight {
  origin: Origin;
  command: string;
  plugin: string;
  generation: number;
  /** With tracing on: the command's span (actors/router/tracing.ts). */
  span?: Span;
  /** `performance.now()` when the request left: the latency the metrics actor's histogram gets. */
  sentAt: number;
}

/** Defaults of `router.startWaitMs` and `router.startQueueMax` (app/config/schema.ts). */
export const DEFAULT_START_WAIT_MS = 5000;
export const DEFAULT_START_QUEUE_MAX = 1000;

export const flightKey = (plugin: string, generation: number) => `${plugin}@${generation}`;
export const holdTimer = (plugin: string) => `hold:${plugin}`;

/** A command ready to go to its plugin (or held while a reload hands the plugin's state over). */
export interface Job {
  request: ExecuteRequest;
  origin: Origin;
  command: string;
  plugin: string;
}

export type CommandLine = Extract<ParsedLine, { kind: 'command' }>;

/** A command line on its way: parsed, with where it came from. */
export interface Line {
  msg: ChatMessage;
  origin: Origin;
  parsed: CommandLine;
  /** Set once it waits: its place in `waiting` and the id of its timer. */
  id?: number;
}

/** A command waiting for an installed plugin to serve (its own, or any whose commands are not known yet). */
export interface Waiting extends Line {
  id: number;
}

export interface RouterContext {
  input: Required<RouterInput>;
  registry: Registry;
  cooldowns: Cooldowns;
  /** Commands waiting for their plugin; what to do with each answer travels with its request. */
  inFlight: number;
  /** Commands in flight per plugin generation (`plugin@generation`), for draining one. */
  flights: Record<string, number>;
  settleWaiters: string[];
  drainWaiters: Array<{ replyId: string; key: string }>;
  /** Commands waiting while a reload hands a plugin's state to its new generation. */
  held: Record<string, Job[]>;
  /** Commands waiting for their installed plugin to serve, in the order they came. */
  waiting: Waiting[];
  nextWait: number;
  nextRequest: number;
  bound: boolean;
}

export const isFlight = (value: unknown): value is InFlight =>
  typeof value === 'object' && value !== null && 'origin' in value && 'command' in value && 'plugin' in value;

export type RouterEvent =
  | InboundEvent<'chat.message', ChatMessage>
  | InboundEvent<'chat.pm', ChatMessage>
  | InboundEvent<'plugin.ready', PluginAnnouncement>
  | InboundEvent<'plugin.down', PluginDown>
  | RequestEvent<'router.settle', Record<string, never>>
  | RequestEvent<'router.commands', Record<string, never>>
  | RequestEvent<'router.route', z.infer<typeof routeRequestSchema>>
  | RequestEvent<'router.drain', z.infer<typeof routeRequestSchema>>
  | RequestEvent<'router.unpin', z.infer<typeof pluginRequestSchema>>
  | RequestEvent<'router.hold', z.infer<typeof holdRequestSchema>>
  | RequestEvent<'router.release', z.infer<typeof pluginRequestSchema>>
  | InboundEvent<'plugin.installed', InstalledChange>
  | { type: 'hold.expired'; plugin: string }
  | { type: 'installed.reconciled' }
  | { type: 'wait.expired'; id: number }
  | BusResponseEvent
  | ConfirmedPublisherEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

export type Send = BridgeCommand;

/** What `release` frees, and whom it tells. */
export interface ReleaseParams {
  plugins: string[];
  /** The hold ran out rather than being released. */
  expired?: boolean;
  /** The `router.release` request to answer once done. */
  replyId?: string;
}

// A reply goes through the confirmed publisher: one published as the NATS server dies would be a
// command answered to nobody (issue 15).
export const replyTo = (origin: Origin, text: string): ConfirmedPublisherCommand =>
  origin.private
    ? {
        type: 'delivery.publish',
        subject: subjects.sendPm(origin.platform),
        data: { channel: origin.channel, to: origin.user, text },
        from: origin.meta,
        what: text,
      }
    : {
        type: 'delivery.publish',
        subject: subjects.sendChat(origin.platform),
        data: { channel: origin.channel, text },
        from: origin.meta,
        what: text,
      };

/**
 * The answer to a line (`text`; none for a line dealt with silently): on a node of a cluster its
 * record goes first, through the same confirmed publisher, so it reaches the node's bus before the
 * reply does (its way on to the cluster and the reply's to the platform are separate from there:
 * docs/guides/SCALING.md says what that leaves).
 */
export function answerLine(origin: Origin, text?: string): ConfirmedPublisherCommand[] {
  const reply = text === undefined ? [] : [replyTo(origin, text)];
  if (!origin.line) return reply;
  const record: HandledLine = {
    platform: origin.platform,
    channel: origin.channel,
    user: origin.user,
    time: origin.line.time,
    text: origin.line.text,
    // A longer reply is recorded as given, without its text: never sent again.
    ...(text !== undefined && text.length <= MAX_RECORDED_REPLY
      ? { reply: { text, private: origin.private } }
      : {}),
  };
  return [
    {
      type: 'delivery.publish',
      subject: subjects.routerHandled,
      data: record,
      from: origin.meta,
      what: `the record of ${origin.user}'s line`,
    },
    ...reply,
  ];
}

/** Requests for `jobs` to one plugin generation, and the bookkeeping they add (the caller counts inFlight). */
export function dispatch(
  context: Pick<RouterContext, 'nextRequest' | 'flights' | 'input'>,
  jobs: Job[],
  generation: number,
): { patch: Pick<RouterContext, 'nextRequest' | 'flights'>; sends: Send[] } {
  let nextRequest = context.nextRequest;
  const flights = { ...context.flights };
  const sends = jobs.map((job): Send => {
    const flight = flightKey(job.plugin, generation);
    flights[flight] = (flights[flight] ?? 0) + 1;
    return {
      type: 'bus.request',
      subject: subjects.execute(job.plugin, generation),
      data: job.request,
      timeoutMs: context.input.commandTimeoutMs,
      requestId: `r${nextRequest++}`,
      from: job.origin.meta,
      context: {
        origin: job.origin,
        command: job.command,
        plugin: job.plugin,
        generation,
        sentAt: performance.now(),
      } satisfies InFlight,
    };
  });
  return { patch: { nextRequest, flights }, sends };
}

/** One command line and what became of it, for the metrics actor. */
export const outcome = (
  plugin: string,
  command: string,
  what: Pick<CommandOutcome, 'outcome' | 'code' | 'seconds'>,
): TallyEvent => ({ type: 'command', outcome: { plugin, command, ...what } });

export type Effect =
  | { to: 'bus'; command: Send }
  | { to: 'delivery'; command: ConfirmedPublisherCommand }
  | { to: 'timer'; id: number }
  | { to: 'tally'; event: TallyEvent };

export interface Step {
  context: RouterContext;
  effects: Effect[];
}

/**
 * One command line: dispatched to its plugin (or held for a reload), answered by the router, or —
 * its installed plugin not serving yet — left waiting for it. `final`: the wait is over, so a
 * command whose plugin still does not serve is told why.
 */
export function routeLine(context: RouterContext, line: Line, final: boolean): Step {
  const { prefix, now } = context.input;
  const { msg, origin, parsed } = line;
  const say = (text: string): Step => ({
    context,
    effects: answerLine(origin, text).map((command) => ({ to: 'delivery', command })),
  });
  const { registry } = context;
  const owner = ownerOf(registry, parsed.name);
  const notServing =
    owner === undefined
      ? undeclared(registry).length > 0
      : isInstalled(registry, owner) && !isServing(registry, owner);
  if (notServing) {
    const queued = line.id !== undefined;
    if (!final && (queued || context.waiting.length < context.input.startQueueMax)) {
      const id = line.id ?? context.nextWait;
      return {
        context: {
          ...context,
          waiting: [...context.waiting, { ...line, id }],
          nextWait: queued ? context.nextWait : context.nextWait + 1,
        },
        effects: queued ? [] : [{ to: 'timer', id }],
      };
    }
    if (owner === undefined) return say(stillStartingReply(prefix, parsed.name, undeclared(registry)));
    const failure = failureOf(registry, owner);
    return say(failure ? notRunningReply(owner, failure) : startingReply(owner));
  }
  const cmd = lookup(registry, parsed.name);
  if (!cmd) return say(unknownCommandReply(prefix, parsed.name, failedUndeclared(registry)));
  const generation = registry.plugins[cmd.plugin]!.generation;
  if (msg.rank < cmd.minRank) return say(rankReply(prefix, parsed.name, cmd.minRank, msg.rank));
  const key = cooldownKey(msg.platform, msg.channel, msg.user, cmd.name);
  const at = now();
  const cooled = !context.input.cooldownFreePlatforms.includes(msg.platform);
  const cooldown = cooled ? checkCooldown(context.cooldowns, key, at) : { kind: 'ok' as const };
  if (cooldown.kind !== 'ok') {
    const counted: Effect = { to: 'tally', event: outcome(cmd.plugin, cmd.name, { outcome: 'cooldown' }) };
    if (cooldown.kind === 'silent')
      return {
        context,
        effects: [counted, ...answerLine(origin).map((command): Effect => ({ to: 'delivery', command }))],
      };
    const step = say(cooldownReply(prefix, parsed.name, cooldown.remainingMs));
    return {
      effects: [...step.effects, counted],
      context: { ...context, cooldowns: markWarned(context.cooldowns, key) },
    };
  }
  const request: ExecuteRequest = {
    command: cmd.name,
    args: parsed.args,
    argText: parsed.argText,
    user: msg.user,
    rank: msg.rank,
    channel: msg.channel,
    platform: msg.platform,
    private: origin.private,
  };
  const job: Job = { request, origin, command: parsed.name, plugin: cmd.plugin };
  const cooldowns = cooled
    ? startCooldown(context.cooldowns, key, at, cmd.cooldownMs ?? context.input.defaultCooldownMs)
    : context.cooldowns;
  const held = Object.hasOwn(context.held, cmd.plugin) ? context.held[cmd.plugin] : undefined;
  if (held) {
    // A reload is handing the plugin's state over: the command waits, and goes to the new generation.
    return {
      context: {
        ...context,
        cooldowns,
        inFlight: context.inFlight + 1,
        held: { ...context.held, [cmd.plugin]: [...held, job] },
      },
      effects: [],
    };
  }
  const sent = dispatch(context, [job], generation);
  return {
    context: { ...context, cooldowns, inFlight: context.inFlight + 1, ...sent.patch },
    effects: sent.sends.map((command) => ({ to: 'bus', command })),
  };
}

export interface Batch extends Step {
  lines: Line[];
  /** The wait of these lines is over. */
  final: boolean;
}

/**
 * The lines an event routes: a new one (or the router's own answer to it), one whose wait ran out,
 * or every waiting one to look again.
 */
export function linesOf(context: RouterContext, event: RouterEvent): Batch {
  const none: Batch = { context, effects: [], lines: [], final: false };
  switch (event.type) {
    case 'chat.message':
    case 'chat.pm': {
      const msg = event.data;
      const { prefix, botName } = context.input;
      if (msg.self || msg.system || msg.rank >= SYSTEM_RANK) return none;
      if (msg.user.toLowerCase() === botName.toLowerCase()) return none;
      const parsed = parseCommand(msg.text, prefix);
      if (parsed.kind === 'not-a-command') return none;
      // The admin component (actors/admin) takes `!admin` lines, however malformed: not a plugin's.
      if (parsed.name === ADMIN_COMMAND) return none;
      const origin: Origin = {
        platform: msg.platform,
        channel: msg.channel,
        user: msg.user,
        private: event.type === 'chat.pm',
        meta: event.meta,
        // Only channel lines: a platform's history replays those, never private messages.
        ...(event.type === 'chat.message' &&
        msg.time !== undefined &&
        context.input.recordHandled.includes(msg.platform)
          ? { line: { time: msg.time, text: msg.text.slice(0, MAX_RECORDED_LINE) } }
          : {}),
      };
      const say = (text: string): Batch => ({
        ...none,
        effects: answerLine(origin, text).map((command) => ({ to: 'delivery', command })),
      });
      if (parsed.kind === 'too-long') return say(tooLongReply(prefix, parsed.name, MAX_LINE));
      if (parsed.kind === 'too-many-args') return say(tooManyArgsReply(prefix, parsed.name, MAX_ARGS));
      if (parsed.name === 'help') return say(helpText(context.registry, prefix, msg.rank, parsed.args[0]));
      return { ...none, lines: [{ msg, origin, parsed }] };
    }
    case 'wait.expired':
      return {
        ...none,
        context: { ...context, waiting: context.waiting.filter((w) => w.id !== event.id) },
        lines: context.waiting.filter((w) => w.id === event.id),
        final: true,
      };
    case 'rosey.shutdown':
      return { ...none, context: { ...context, waiting: [] }, lines: context.waiting, final: true };
    default:
      // What the router knows changed (an announcement, a plugin installed or removed): every waiting
      // command looks again, in the order they came; those still not served wait on.
      return { ...none, context: { ...context, waiting: [] }, lines: context.waiting };
  }
}
