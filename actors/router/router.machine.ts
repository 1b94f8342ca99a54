import { assertEvent, assign, enqueueActions, sendTo, setup } from 'xstate';
import { z } from '../../contract/zod.js';
import { bridgeInput, busBridge } from '../bus/bridge.actor.js';
import { confirmedPublisher, type ConfirmedPublisherCommand } from '../bus/confirmed-publisher.actor.js';
import {
  holdRequestSchema,
  installedChangeSchema,
  type CommandTimeout,
  pluginRequestSchema,
  routeRequestSchema,
} from '../../contract/messages/router.js';
import { pluginListReplySchema, routesReplySchema } from '../../contract/messages/plugins.js';
import { chatMessageSchema } from '../../contract/messages/chat.js';
import {
  executeReplySchema,
  pluginAnnouncementSchema,
  pluginDownSchema,
} from '../../contract/messages/commands.js';
import { validate } from '../../contract/validate.js';
import { quietLogger } from '../../contract/log.js';
import { err, ok, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { childInfo, childReady } from '../../supervisors/child-protocol.js';
import { Tally } from '../tally/tally.js';
import { pruneCooldowns } from './cooldowns.js';
import { install, installedEntries, isInstalled, noteAnnounced, noteDown, uninstall } from './installed.js';
import { announce, emptyRegistry, markDown, route, unpin } from './registry.js';
import { failureReply } from './replies.js';
import { endDispatch, inSpan, replyInSpan, traceDispatch } from './tracing.js';
import {
  DEFAULT_START_QUEUE_MAX,
  DEFAULT_START_WAIT_MS,
  dispatch,
  flightKey,
  holdTimer,
  isFlight,
  linesOf,
  answerLine,
  routeLine,
  type ReleaseParams,
  type RouterContext,
  type RouterEvent,
  type RouterInput,
  type Send,
  type Step,
  outcome,
} from './routing.js';

export { DEFAULT_START_QUEUE_MAX, DEFAULT_START_WAIT_MS, type RouterInput } from './routing.js';

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
      // Every channel line the router hears, commands or not: the metrics' chat lines.
      if (event.type === 'chat.message') {
        const { platform } = event.data;
        enqueue(() => context.input.tally.emit({ type: 'chat.line', platform }));
      }
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
        if (effect.to === 'bus') enqueue.sendTo('bus', traceDispatch(effect.command));
        else if (effect.to === 'delivery') enqueue.sendTo('delivery', effect.command);
        else if (effect.to === 'tally') enqueue(() => context.input.tally.emit(effect.event));
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
            for (const command of answerLine(
              job.origin,
              failureReply(context.input.prefix, job.command, plugin, gone),
            ))
              enqueue.sendTo('delivery', command);
          current = { ...current, held, inFlight: current.inFlight - jobs.length };
          enqueue.assign({ held, inFlight: current.inFlight });
          continue;
        }
        const sent = dispatch(current, jobs, generation);
        current = { ...current, held, ...sent.patch };
        enqueue.assign({ held, ...sent.patch });
        for (const command of sent.sends) enqueue.sendTo('bus', traceDispatch(command));
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
      endDispatch(flight, event.result);
      const { prefix } = context.input;
      const say = (text: string | undefined, origin = flight.origin) => {
        for (const command of answerLine(origin, text))
          enqueue.sendTo('delivery', replyInSpan(flight, command));
      };
      const seconds = Math.max(0, performance.now() - flight.sentAt) / 1000;
      const reply = event.result.ok ? validate(executeReplySchema, event.result.data) : event.result;
      const told = outcome(
        flight.plugin,
        flight.command,
        reply.ok ? { outcome: 'ok', seconds } : { outcome: 'error', code: reply.error.code, seconds },
      );
      enqueue(() => context.input.tally.emit(told));
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
        const { error } = event.result;
        inSpan(flight, () =>
          context.input.logger.warn(`${prefix}${flight.command} → ${flight.plugin}: ${error.code}`, {
            message: error.message,
            correlation: flight.origin.meta.correlationId,
          }),
        );
        say(failureReply(prefix, flight.command, flight.plugin, event.result.error));
        return;
      }
      if (!reply.ok) {
        say(failureReply(prefix, flight.command, flight.plugin, reply.error));
        return;
      }
      // No text: nothing is said, and on a node of a cluster the line is recorded as dealt with.
      say(
        reply.data.text || undefined,
        reply.data.private ? { ...flight.origin, private: true } : flight.origin,
      );
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
      // A generation routed at a reload's switch declared its commands while it waited: they are
      // the plugin's now, and remembered for the next start (they were not, and after any reload a
      // restarted Rosey called the plugin's commands unknown until it announced).
      const registry = switched.activated
        ? noteAnnounced(switched.registry, switched.activated)
        : switched.registry;
      if (switched.activated && isInstalled(registry, plugin)) context.input.remember(switched.activated);
      enqueue.assign({ registry });
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
    reconcileInstalled: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'bus.response');
      if (event.requestId !== 'installed' || !event.result.ok) return;
      const list = validate(pluginListReplySchema, event.result.data);
      if (!list.ok) return;
      const managed = new Set(list.data.plugins.map((p) => p.name));
      let registry = context.registry;
      for (const plugin of Object.keys(registry.installed)) {
        // Not the plugin manager's, and not announced either: removed while this router was down.
        if (!managed.has(plugin) && !Object.hasOwn(registry.plugins, plugin))
          registry = uninstall(registry, plugin);
      }
      if (registry === context.registry) return;
      enqueue.assign({ registry });
      enqueue.raise({ type: 'installed.reconciled' });
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
      cooldownFreePlatforms: [],
      remember: () => {},
      recordHandled: [],
      tally: new Tally(),
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
    'bus.response': {
      actions: ['handleResponse', 'applyPins', 'reconcileInstalled', 'settleReplies', 'answerDrained'],
    },
    // A waiting command the router settles itself (expired, uninstalled) may be the last one a
    // `router.settle` waits for: check again after every route.
    'installed.reconciled': { actions: ['route', 'settleReplies'] },
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
    'plugin.ready': { actions: ['registerPlugin', 'route', 'settleReplies'] },
    'plugin.installed': {
      actions: [
        assign({
          registry: ({ context, event }) =>
            event.data.installed
              ? install(context.registry, event.data.plugin, event.data.version)
              : uninstall(context.registry, event.data.plugin),
        }),
        'route',
        'settleReplies',
      ],
    },
    'wait.expired': { actions: ['route', 'settleReplies'] },
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
        // A router restarted while Rosey runs was built with the plugins Rosey started with: one
        // removed since must not have its commands wait for it.
        enqueue.sendTo('bus', {
          type: 'bus.request',
          subject: subjects.pluginControl('list'),
          data: {},
          timeoutMs: 2000,
          requestId: 'installed',
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
