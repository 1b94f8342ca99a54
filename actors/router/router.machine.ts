import { assertEvent, assign, enqueueActions, sendTo, setup } from 'xstate';
import { z } from 'zod';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type BusResponseEvent,
  type InboundEvent,
  type RequestEvent,
} from '../bus/bridge.actor.js';
import {
  confirmedPublisher,
  type ConfirmedPublisherCommand,
  type ConfirmedPublisherEvent,
} from '../bus/confirmed-publisher.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { MessageMeta } from '../../contract/envelope.js';
import {
  holdRequestSchema,
  installedChangeSchema,
  type CommandTimeout,
  type InstalledChange,
  pluginRequestSchema,
  routeRequestSchema,
} from '../../contract/messages/router.js';
import { routesReplySchema } from '../../contract/messages/plugins.js';
import { chatMessageSchema, SYSTEM_RANK, type ChatMessage } from '../../contract/messages/chat.js';
import {
  executeReplySchema,
  pluginAnnouncementSchema,
  pluginDownSchema,
  type ExecuteRequest,
  type PluginAnnouncement,
  type PluginDown,
} from '../../contract/messages/commands.js';
import { validate } from '../../contract/validate.js';
import { quietLogger, type Logger } from '../../contract/log.js';
import { err, ok, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { childInfo, childReady } from '../../supervisors/child-protocol.js';
import {
  checkCooldown,
  cooldownKey,
  markWarned,
  pruneCooldowns,
  startCooldown,
  type Cooldowns,
} from './cooldowns.js';
import { helpText } from './help.js';
import {
  failureOf,
  install,
  installedEntries,
  isInstalled,
  isServing,
  noteAnnounced,
  noteDown,
  ownerOf,
  undeclared,
  uninstall,
  type InstalledPlugin,
} from './installed.js';
import { MAX_ARGS, MAX_LINE, parseCommand, type ParsedLine } from './parse-command.js';
import { announce, emptyRegistry, lookup, markDown, route, unpin, type Registry } from './registry.js';
import {
  cooldownReply,
  failureReply,
  notRunningReply,
  rankReply,
  startingReply,
  stillStartingReply,
  tooLongReply,
  tooManyArgsReply,
  unknownCommandReply,
} from './replies.js';

export interface RouterInput {
  link: BusLink;
  logger?: Logger;
  botName: string;
  prefix: string;
  commandTimeoutMs: number;
  /** Per-user cooldown for commands that do not declare their own. */
  defaultCooldownMs: number;
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
  now?: () => number;
}

/** Where a command came from, so its reply goes back there. */
interface Origin {
  platform: string;
  channel: string;
  user: string;
  private: boolean;
  meta: MessageMeta;
}

interface InFlight {
  origin: Origin;
  command: string;
  plugin: string;
  generation: number;
}

/** Defaults of `router.startWaitMs` and `router.startQueueMax` (app/config/schema.ts). */
export const DEFAULT_START_WAIT_MS = 5000;
export const DEFAULT_START_QUEUE_MAX = 1000;

const flightKey = (plugin: string, generation: number) => `${plugin}@${generation}`;
const holdTimer = (plugin: string) => `hold:${plugin}`;

/** A command ready to go to its plugin (or held while a reload hands the plugin's state over). */
interface Job {
  request: ExecuteRequest;
  origin: Origin;
  command: string;
  plugin: string;
}

type CommandLine = Extract<ParsedLine, { kind: 'command' }>;

/** A command line on its way: parsed, with where it came from. */
interface Line {
  msg: ChatMessage;
  origin: Origin;
  parsed: CommandLine;
  /** Set once it waits: its place in `waiting` and the id of its timer. */
  id?: number;
}

/** A command waiting for an installed plugin to serve (its own, or any whose commands are not known yet). */
interface Waiting extends Line {
  id: number;
}

interface RouterContext {
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

const isFlight = (value: unknown): value is InFlight =>
  typeof value === 'object' && value !== null && 'origin' in value && 'command' in value && 'plugin' in value;

type RouterEvent =
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
  | { type: 'wait.expired'; id: number }
  | BusResponseEvent
  | ConfirmedPublisherEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

type Send = BridgeCommand;

/** What `release` frees, and whom it tells. */
interface ReleaseParams {
  plugins: string[];
  /** The hold ran out rather than being released. */
  expired?: boolean;
  /** The `router.release` request to answer once done. */
  replyId?: string;
}

// A reply goes through the confirmed publisher: one published as the NATS server dies would be a
// command answered to nobody (issue 15).
const replyTo = (origin: Origin, text: string): ConfirmedPublisherCommand =>
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

/** Requests for `jobs` to one plugin generation, and the bookkeeping they add (the caller counts inFlight). */
function dispatch(
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
      } satisfies InFlight,
    };
  });
  return { patch: { nextRequest, flights }, sends };
}

type Effect =
  | { to: 'bus'; command: Send }
  | { to: 'delivery'; command: ConfirmedPublisherCommand }
  | { to: 'timer'; id: number };

interface Step {
  context: RouterContext;
  effects: Effect[];
}

/**
 * One command line: dispatched to its plugin (or held for a reload), answered by the router, or —
 * its installed plugin not serving yet — left waiting for it. `final`: the wait is over, so a
 * command whose plugin still does not serve is told why.
 */
function routeLine(context: RouterContext, line: Line, final: boolean): Step {
  const { prefix, now } = context.input;
  const { msg, origin, parsed } = line;
  const say = (text: string): Step => ({
    context,
    effects: [{ to: 'delivery', command: replyTo(origin, text) }],
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
  if (!cmd) return say(unknownCommandReply(prefix, parsed.name));
  const generation = registry.plugins[cmd.plugin]!.generation;
  if (msg.rank < cmd.minRank) return say(rankReply(prefix, parsed.name, cmd.minRank, msg.rank));
  const key = cooldownKey(msg.platform, msg.channel, msg.user, cmd.name);
  const at = now();
  const cooldown = checkCooldown(context.cooldowns, key, at);
  if (cooldown.kind === 'silent') return { context, effects: [] };
  if (cooldown.kind === 'warn') {
    const step = say(cooldownReply(prefix, parsed.name, cooldown.remainingMs));
    return { ...step, context: { ...context, cooldowns: markWarned(context.cooldowns, key) } };
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
  const cooldowns = startCooldown(
    context.cooldowns,
    key,
    at,
    cmd.cooldownMs ?? context.input.defaultCooldownMs,
  );
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

interface Batch extends Step {
  lines: Line[];
  /** The wait of these lines is over. */
  final: boolean;
}

/**
 * The lines an event routes: a new one (or the router's own answer to it), one whose wait ran out,
 * or every waiting one to look again.
 */
function linesOf(context: RouterContext, event: RouterEvent): Batch {
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
      const origin: Origin = {
        platform: msg.platform,
        channel: msg.channel,
        user: msg.user,
        private: event.type === 'chat.pm',
        meta: event.meta,
      };
      const say = (text: string): Batch => ({
        ...none,
        effects: [{ to: 'delivery', command: replyTo(origin, text) }],
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

/**
 * The router: chat lines in, commands out. It parses `!command args`, checks the command exists,
 * the user's rank and their cooldown, dispatches a request to the owning plugin with a timeout, and
 * sends exactly one reply back where the line came from (chat or PM). It never answers itself or
 * the platform's own messages. A command of an installed plugin that is not serving yet waits for
 * it, bounded in time and number, rather than being called unknown (docs/plugins.md).
 */
export const routerMachine = setup({
  types: {
    input: {} as RouterInput,
    context: {} as RouterContext,
    events: {} as RouterEvent,
  },
  actors: { bus: busBridge, delivery: confirmedPublisher },
  actions: {
    route: enqueueActions(({ context, event, enqueue }) => {
      const batch = linesOf(context, event);
      let step: Step = batch;
      for (const line of batch.lines) {
        const next = routeLine(step.context, line, batch.final);
        step = { context: next.context, effects: [...step.effects, ...next.effects] };
      }
      const c = step.context;
      if (c !== context) {
        enqueue.assign({
          cooldowns: c.cooldowns,
          inFlight: c.inFlight,
          flights: c.flights,
          held: c.held,
          waiting: c.waiting,
          nextWait: c.nextWait,
          nextRequest: c.nextRequest,
        });
      }
      for (const effect of step.effects) {
        if (effect.to === 'bus') enqueue.sendTo('bus', effect.command);
        else if (effect.to === 'delivery') enqueue.sendTo('delivery', effect.command);
        else
          enqueue.raise(
            { type: 'wait.expired', id: effect.id },
            { delay: context.input.startWaitMs, id: `wait:${effect.id}` },
          );
      }
    }),
    hold: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'router.hold');
      const { plugin, maxMs } = event.data;
      const answer = (result: Result<unknown>) =>
        enqueue.sendTo('bus', { type: 'bus.reply', replyId: event.replyId, result } satisfies Send);
      if (!Object.hasOwn(context.registry.plugins, plugin))
        return answer(err('NOT_FOUND', `no plugin ${plugin}`));
      if (Object.hasOwn(context.held, plugin))
        return answer(err('BUSY', `${plugin}'s commands are already held`));
      enqueue.assign({ held: { ...context.held, [plugin]: [] } });
      // Held commands are released by themselves if whoever asked never comes back.
      enqueue.raise({ type: 'hold.expired', plugin }, { delay: maxMs, id: holdTimer(plugin) });
      answer(ok({ plugin, held: true }));
    }),
    release: enqueueActions(({ context, enqueue }, { plugins, expired, replyId }: ReleaseParams) => {
      let current: RouterContext = context;
      for (const plugin of plugins) {
        if (!Object.hasOwn(current.held, plugin)) continue;
        const jobs = current.held[plugin]!;
        const held = { ...current.held };
        delete held[plugin];
        enqueue.cancel(holdTimer(plugin));
        if (expired)
          context.input.logger.warn(
            `${plugin}: commands held for a reload were released after the hold ran out`,
          );
        const generation = current.registry.plugins[plugin]?.generation;
        if (generation === undefined) {
          // Gone meanwhile: each waiting user still gets exactly one answer.
          const gone = { code: 'NO_RESPONDERS' as const, message: `${plugin} is not running` };
          for (const job of jobs)
            enqueue.sendTo(
              'delivery',
              replyTo(job.origin, failureReply(context.input.prefix, job.command, plugin, gone)),
            );
          current = { ...current, held, inFlight: current.inFlight - jobs.length };
          enqueue.assign({ held, inFlight: current.inFlight });
          continue;
        }
        const sent = dispatch(current, jobs, generation);
        current = { ...current, held, ...sent.patch };
        enqueue.assign({ held, ...sent.patch });
        for (const command of sent.sends) enqueue.sendTo('bus', command);
      }
      if (replyId !== undefined)
        enqueue.sendTo('bus', { type: 'bus.reply', replyId, result: ok({}) } satisfies Send);
    }),
    handleResponse: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'bus.response');
      // The router's other request (`pins`) is answered by `applyPins`.
      if (!isFlight(event.context)) return;
      const flight = event.context;
      const key = flightKey(flight.plugin, flight.generation);
      const flights = { ...context.flights, [key]: (context.flights[key] ?? 1) - 1 };
      if (flights[key] === 0) delete flights[key];
      enqueue.assign({ inFlight: context.inFlight - 1, flights });
      const { prefix } = context.input;
      const say = (text: string, origin = flight.origin) => enqueue.sendTo('delivery', replyTo(origin, text));
      if (!event.result.ok) {
        if (event.result.error.code === 'TIMEOUT') {
          // Evidence the plugin may be hung: its host probes it at once instead of waiting for the
          // next periodic health checks (docs/plugins.md, "A plugin that hangs").
          enqueue.sendTo('bus', {
            type: 'bus.publish',
            subject: subjects.commandTimeout(flight.plugin, flight.generation),
            data: {
              plugin: flight.plugin,
              generation: flight.generation,
              command: flight.command,
              timeoutMs: context.input.commandTimeoutMs,
            } satisfies CommandTimeout,
            from: flight.origin.meta,
          } satisfies Send);
        }
        context.input.logger.warn(
          `${prefix}${flight.command} → ${flight.plugin}: ${event.result.error.code}`,
          {
            message: event.result.error.message,
            correlation: flight.origin.meta.correlationId,
          },
        );
        say(failureReply(prefix, flight.command, flight.plugin, event.result.error));
        return;
      }
      const reply = validate(executeReplySchema, event.result.data);
      if (!reply.ok) {
        say(failureReply(prefix, flight.command, flight.plugin, reply.error));
        return;
      }
      if (reply.data.text) {
        say(reply.data.text, reply.data.private ? { ...flight.origin, private: true } : flight.origin);
      }
    }),
    // Settled once nothing is in flight and every reply has been taken by the server.
    settleReplies: enqueueActions(({ context, enqueue }) => {
      if (context.inFlight > 0 || context.waiting.length > 0 || context.settleWaiters.length === 0) return;
      enqueue.sendTo('delivery', { type: 'delivery.settle' } satisfies ConfirmedPublisherCommand);
    }),
    answerSettled: enqueueActions(({ context, enqueue }) => {
      if (context.inFlight > 0 || context.waiting.length > 0 || context.settleWaiters.length === 0) return;
      for (const replyId of context.settleWaiters) {
        enqueue.sendTo('bus', { type: 'bus.reply', replyId, result: ok({ inFlight: 0 }) } satisfies Send);
      }
      enqueue.assign({ settleWaiters: [] });
    }),
    answerDrained: enqueueActions(({ context, enqueue }) => {
      const drained = context.drainWaiters.filter((w) => !context.flights[w.key]);
      if (drained.length === 0) return;
      for (const { replyId } of drained) {
        enqueue.sendTo('bus', { type: 'bus.reply', replyId, result: ok({ drained: true }) } satisfies Send);
      }
      enqueue.assign({ drainWaiters: context.drainWaiters.filter((w) => !drained.includes(w)) });
    }),
    switchRoute: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'router.route');
      const { plugin, generation } = event.data;
      const switched = route(context.registry, plugin, generation);
      if (!switched.ok) {
        enqueue.sendTo('bus', {
          type: 'bus.reply',
          replyId: event.replyId,
          result: err('NOT_FOUND', switched.reason),
        } satisfies Send);
        return;
      }
      if (switched.previous !== generation) {
        context.input.logger.info(`${plugin}: commands now go to generation ${generation}`, {
          previous: switched.previous,
        });
      }
      if (switched.conflicts.length > 0) {
        context.input.logger.warn(`${plugin}: command names already taken: ${switched.conflicts.join(', ')}`);
      }
      enqueue.assign({ registry: switched.registry });
      const previous = switched.previous;
      enqueue.sendTo('bus', {
        type: 'bus.reply',
        replyId: event.replyId,
        result: ok({
          plugin,
          generation,
          previous: previous ?? null,
          inFlight: previous === undefined ? 0 : (context.flights[flightKey(plugin, previous)] ?? 0),
        }),
      } satisfies Send);
    }),
    applyPins: assign({
      registry: ({ context, event }) => {
        assertEvent(event, 'bus.response');
        if (event.requestId !== 'pins' || !event.result.ok) return context.registry;
        const pins = validate(routesReplySchema, event.result.data);
        if (!pins.ok) return context.registry;
        let registry = context.registry;
        for (const [plugin, generation] of Object.entries(pins.data.routes)) {
          const switched = route(registry, plugin, generation);
          // Not announced yet: the pin makes its announcement take the route when it comes.
          registry = switched.ok
            ? switched.registry
            : { ...registry, pinned: { ...registry.pinned, [plugin]: generation } };
        }
        return registry;
      },
    }),
    registerPlugin: enqueueActions(({ context, event, enqueue, self }) => {
      assertEvent(event, 'plugin.ready');
      if (event.meta.subject !== subjects.hostedReady(event.data.plugin, event.data.generation)) {
        context.input.logger.warn(
          `ignored an announcement for ${event.data.plugin} sent on ${event.meta.subject}`,
        );
        return;
      }
      const announced = announce(context.registry, event.data);
      const { conflicts } = announced;
      if (conflicts.length > 0) {
        context.input.logger.warn(
          `${event.data.plugin}: command names already taken: ${conflicts.join(', ')}`,
        );
      }
      const routed = announced.registry.plugins[event.data.plugin]?.generation === event.data.generation;
      const registry = routed ? noteAnnounced(announced.registry, event.data) : announced.registry;
      if (routed && isInstalled(registry, event.data.plugin)) context.input.remember(event.data);
      enqueue.assign({ registry });
      enqueue.sendParent(childInfo(self, { commands: Object.keys(registry.commands).length }));
    }),
    pluginDown: assign({
      registry: ({ context, event }) => {
        assertEvent(event, 'plugin.down');
        const { plugin, generation, reason } = event.data;
        return event.meta.subject === subjects.pluginDown(plugin, generation)
          ? noteDown(markDown(context.registry, plugin, generation), plugin, generation, reason)
          : context.registry;
      },
    }),
    listCommands: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'router.commands');
      const plugins = Object.entries(context.registry.plugins).map(([name, p]) => ({
        plugin: name,
        generation: p.generation,
        version: p.version,
        available: p.available,
        pinned: context.registry.pinned[name] !== undefined,
        standby: Object.keys(context.registry.standby[name] ?? {}).map(Number),
        commands: p.commands.map((c) => ({ name: c.name, usage: c.usage, minRank: c.minRank })),
      }));
      enqueue.sendTo('bus', {
        type: 'bus.reply',
        replyId: event.replyId,
        result: ok({ plugins }),
      } satisfies Send);
    }),
  },
  guards: {
    idle: ({ context }) => context.inFlight === 0 && context.waiting.length === 0,
  },
}).createMachine({
  id: 'router',
  context: ({ input }) => ({
    input: {
      logger: quietLogger,
      now: () => Date.now(),
      installed: [],
      startWaitMs: DEFAULT_START_WAIT_MS,
      startQueueMax: DEFAULT_START_QUEUE_MAX,
      remember: () => {},
      ...input,
    },
    registry: { ...emptyRegistry(), installed: installedEntries(input.installed ?? []) },
    cooldowns: {},
    inFlight: 0,
    flights: {},
    settleWaiters: [],
    drainWaiters: [],
    held: {},
    waiting: [],
    nextWait: 1,
    nextRequest: 1,
    bound: false,
  }),
  invoke: [
    {
      id: 'bus',
      src: 'bus',
      input: ({ context }) =>
        bridgeInput(context.input, {
          // `router.settle` waits for the slowest command in flight.
          serveTimeoutMs: context.input.commandTimeoutMs + 5000,
          subscriptions: [
            { subject: subjects.message, event: 'chat.message', schema: chatMessageSchema },
            { subject: subjects.pm, event: 'chat.pm', schema: chatMessageSchema },
            // Announcements as the plugin hosts vouch for them, never as plugins publish them.
            { subject: subjects.anyHostedReady, event: 'plugin.ready', schema: pluginAnnouncementSchema },
            { subject: subjects.anyPluginDown, event: 'plugin.down', schema: pluginDownSchema },
            { subject: subjects.pluginInstalled, event: 'plugin.installed', schema: installedChangeSchema },
          ],
          services: [
            { subject: subjects.routerSettle, event: 'router.settle', schema: z.object({}).passthrough() },
            {
              subject: subjects.routerCommands,
              event: 'router.commands',
              schema: z.object({}).passthrough(),
            },
            { subject: subjects.routerRoute, event: 'router.route', schema: routeRequestSchema },
            { subject: subjects.routerDrain, event: 'router.drain', schema: routeRequestSchema },
            { subject: subjects.routerUnpin, event: 'router.unpin', schema: pluginRequestSchema },
            { subject: subjects.routerHold, event: 'router.hold', schema: holdRequestSchema },
            { subject: subjects.routerRelease, event: 'router.release', schema: pluginRequestSchema },
          ],
        }),
    },
    {
      id: 'delivery',
      src: 'delivery',
      input: ({ context }) => ({ link: context.input.link, logger: context.input.logger }),
    },
  ],
  on: {
    'bus.response': { actions: ['handleResponse', 'applyPins', 'settleReplies', 'answerDrained'] },
    'delivery.settled': { actions: 'answerSettled' },
    'delivery.refused': {
      actions: ({ context, event }) =>
        context.input.logger.warn(`a reply was not delivered (${event.reason}): ${event.what}`),
    },
    // A switch releases what was held for the plugin to its new generation.
    'router.route': {
      actions: [
        'switchRoute',
        { type: 'release', params: ({ event }) => ({ plugins: [event.data.plugin] }) },
      ],
    },
    'router.hold': { actions: 'hold' },
    'router.release': {
      actions: {
        type: 'release',
        params: ({ event }) => ({ plugins: [event.data.plugin], replyId: event.replyId }),
      },
    },
    'hold.expired': {
      actions: { type: 'release', params: ({ event }) => ({ plugins: [event.plugin], expired: true }) },
    },
    'router.drain': {
      actions: [
        assign({
          drainWaiters: ({ context, event }) => [
            ...context.drainWaiters,
            { replyId: event.replyId, key: flightKey(event.data.plugin, event.data.generation) },
          ],
        }),
        'answerDrained',
      ],
    },
    'router.unpin': {
      actions: [
        assign({ registry: ({ context, event }) => unpin(context.registry, event.data.plugin) }),
        enqueueActions(({ event, enqueue }) =>
          enqueue.sendTo('bus', { type: 'bus.reply', replyId: event.replyId, result: ok({}) } satisfies Send),
        ),
      ],
    },
    // Commands waiting for the plugin go to it now (or, in a blue-green reload, wait on).
    'plugin.ready': { actions: ['registerPlugin', 'route'] },
    'plugin.installed': {
      actions: [
        assign({
          registry: ({ context, event }) =>
            event.data.installed
              ? install(context.registry, event.data.plugin, event.data.version)
              : uninstall(context.registry, event.data.plugin),
        }),
        'route',
      ],
    },
    'wait.expired': { actions: 'route' },
    'plugin.down': { actions: 'pluginDown' },
    'router.commands': { actions: 'listCommands' },
    'router.settle': {
      actions: [
        assign({ settleWaiters: ({ context, event }) => [...context.settleWaiters, event.replyId] }),
        'settleReplies',
      ],
    },
    'bus.bound': {
      // Plugins that started before this router (or before it restarted) announce themselves again.
      actions: enqueueActions(({ context, enqueue, self }) => {
        enqueue.sendTo('bus', {
          type: 'bus.publish',
          subject: subjects.pluginsDiscover,
          data: {},
        } satisfies Send);
        // Routes pinned by a reload in progress survive a restart of the router.
        enqueue.sendTo('bus', {
          type: 'bus.request',
          subject: subjects.pluginControl('routes'),
          data: {},
          timeoutMs: 2000,
          requestId: 'pins',
        } satisfies Send);
        if (!context.bound) {
          enqueue.assign({ bound: true });
          enqueue.sendParent(childReady(self));
        }
      }),
    },
  },
  initial: 'routing',
  states: {
    routing: {
      on: {
        'chat.message': { actions: 'route' },
        'chat.pm': { actions: 'route' },
        'rosey.shutdown': {
          target: 'draining',
          actions: [
            { type: 'release', params: ({ context }) => ({ plugins: Object.keys(context.held) }) },
            // Commands still waiting for their plugin get their answer now.
            'route',
          ],
        },
      },
      after: {
        60_000: {
          target: 'routing',
          reenter: true,
          actions: assign({
            cooldowns: ({ context }) => pruneCooldowns(context.cooldowns, context.input.now()),
          }),
        },
      },
    },
    // Stop taking commands; let the ones in flight get their reply (bounded by the command timeout).
    draining: {
      always: { guard: 'idle', target: 'delivering' },
    },
    // The last replies are on their way to the server.
    delivering: {
      entry: sendTo('delivery', { type: 'delivery.settle' } satisfies ConfirmedPublisherCommand),
      on: { 'delivery.settled': 'stopped' },
    },
    stopped: { type: 'final' },
  },
});
