import { assign, enqueueActions, sendParent, setup, type AnyActorRef } from 'xstate';
import { z } from 'zod';
import { bridgeInput, busBridge, type BridgeCommand, type RequestEvent } from '../bus/bridge.js';
import type { BusLink } from '../../kernel/bus/bus-link.js';
import type { Logger } from '../../kernel/log/logger.js';
import { loadPlugin, type LoadedPlugin } from '../../kernel/plugins/manifest.js';
import { err, errorMessage, ok, type Result } from '../../kernel/result.js';
import { PLUGIN_NAME, subjects } from '../../kernel/subjects.js';
import {
  blueGreenMachine,
  DEFAULT_RELOAD_TIMING,
  type ReloadOutcome,
  type ReloadTiming,
} from '../../supervisors/blue-green.machine.js';
import { childReady } from '../../supervisors/child-protocol.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { findChild } from '../../supervisors/child-ref.js';
import { describeTree, findNode, type TreeNode } from '../../supervisors/describe-tree.js';
import { describeReloadFailure, pluginRows } from './plugin-rows.js';

export interface PluginManagerInput {
  link: BusLink;
  logger: Logger;
  /** System id of the root supervisor; plugins live under its `plugins` child. */
  rootSystemId: string;
  plugins: LoadedPlugin[];
  /** The host spec of a plugin generation, as the tree builds it. */
  hostSpec: (plugin: LoadedPlugin, generation: number) => ChildSpec;
  /** Whether a plugin has migrations to apply before a new generation starts. */
  hasMigrations: (plugin: LoadedPlugin) => boolean;
  timing?: Partial<ReloadTiming>;
}

export interface ManagedPlugin {
  plugin: LoadedPlugin;
  /** The generation serving now. */
  generation: number;
  /** Never reused: a failed reload's generation may still have messages in flight. */
  nextGeneration: number;
}

interface Reload {
  replyId: string;
  /** Where the route is pinned while the reload runs (reported to a restarted router). */
  routedTo: number;
  green: number;
  plugin: LoadedPlugin;
}

interface ManagerContext {
  input: PluginManagerInput;
  timing: ReloadTiming;
  plugins: Record<string, ManagedPlugin>;
  reloads: Record<string, Reload>;
}

const reloadRequest = z.object({ plugin: z.string().regex(PLUGIN_NAME, 'a plugin name') }).strict();
const anyRequest = z.object({}).passthrough();

type ManagerEvent =
  | RequestEvent<'plugin.list', Record<string, unknown>>
  | RequestEvent<'plugin.reload', z.infer<typeof reloadRequest>>
  | RequestEvent<'plugin.routes', Record<string, unknown>>
  | { type: 'reload.routed'; plugin: string; generation: number }
  | { type: `xstate.done.actor.${string}`; output: ReloadOutcome }
  | { type: `xstate.error.actor.${string}`; error: unknown }
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

const reply = (replyId: string, result: Result<unknown>): BridgeCommand => ({
  type: 'bus.reply',
  replyId,
  result,
});

const reloadActorId = (plugin: string) => `reload:${plugin}`;

/**
 * Plugin management for the CLI: `rosey.control.plugin.list` (what runs, which version and
 * generation, its state) and `rosey.control.plugin.reload` (a blue-green reload, one at a time per
 * plugin, answered with how it went). Each reload is a child actor of this one; the plugin's
 * generations are children of the plugin's own supervisor, which the reload drives.
 */
export const pluginManagerMachine = setup({
  types: {
    input: {} as PluginManagerInput,
    context: {} as ManagerContext,
    events: {} as ManagerEvent,
  },
  actors: { bus: busBridge, reload: blueGreenMachine },
  guards: {
    fromReload: ({ event }) =>
      event.type.startsWith('xstate.done.actor.reload:') ||
      event.type.startsWith('xstate.error.actor.reload:'),
  },
  actions: {
    list: enqueueActions(({ context, event, enqueue, system }) => {
      if (event.type !== 'plugin.list') return;
      const root = system.get(context.input.rootSystemId) as AnyActorRef | undefined;
      const tree: TreeNode | undefined = root ? describeTree(root) : undefined;
      const plugins = tree ? findNode(tree, 'plugins') : undefined;
      enqueue.sendTo(
        'bus',
        reply(
          event.replyId,
          ok({ plugins: pluginRows(context.plugins, plugins, Object.keys(context.reloads)) }),
        ),
      );
    }),
    startReload: enqueueActions(({ context, event, enqueue, system }) => {
      if (event.type !== 'plugin.reload') return;
      const name = event.data.plugin;
      const refuse = (result: Result<unknown>) => enqueue.sendTo('bus', reply(event.replyId, result));
      const managed = Object.hasOwn(context.plugins, name) ? context.plugins[name] : undefined;
      if (!managed) {
        const known = Object.keys(context.plugins).sort().join(', ') || 'none';
        return refuse(err('NOT_FOUND', `no plugin named ${name} (loaded: ${known})`));
      }
      if (context.reloads[name]) return refuse(err('BUSY', `a reload of ${name} is already running`));
      let plugin: LoadedPlugin;
      try {
        plugin = loadPlugin(managed.plugin.dir);
      } catch (error) {
        return refuse(err('VALIDATION_ERROR', `${errorMessage(error)}; the running version keeps serving`));
      }
      const root = system.get(context.input.rootSystemId) as AnyActorRef | undefined;
      const own = root ? findChild(root, ['plugins', name]) : undefined;
      const blue = own?.ref ? findChild(own.ref, [`${name}@${managed.generation}`]) : undefined;
      if (!own?.ref || own.record.status !== 'running' || blue?.record.status !== 'running') {
        const state = blue?.record.status ?? own?.record.status ?? 'not running';
        return refuse(
          err('NOT_FOUND', `${name} is ${state}: a reload needs a running generation to hand over from`),
        );
      }
      const green = managed.nextGeneration;
      const version = typeof blue.record.info?.version === 'string' ? blue.record.info.version : '?';
      context.input.logger.info(`reloading ${name}: ${version} → ${plugin.manifest.version}`, {
        generation: green,
      });
      enqueue.spawnChild('reload', {
        id: reloadActorId(name),
        input: {
          plugin: name,
          supervisor: own.ref,
          blue: { generation: managed.generation, version },
          green: {
            generation: green,
            version: plugin.manifest.version,
            spec: context.input.hostSpec(plugin, green),
          },
          migrate: context.input.hasMigrations(plugin),
          timing: context.timing,
          link: context.input.link,
          logger: context.input.logger.child(`reload:${name}`),
        },
      });
      enqueue.assign({
        plugins: { ...context.plugins, [name]: { ...managed, nextGeneration: green + 1 } },
        reloads: {
          ...context.reloads,
          [name]: { replyId: event.replyId, routedTo: managed.generation, green, plugin },
        },
      });
    }),
    finishReload: enqueueActions(({ context, event, enqueue }) => {
      const prefix = 'xstate.done.actor.reload:';
      if (!event.type.startsWith(prefix) || !('output' in event)) return;
      const outcome = event.output;
      const name = outcome.plugin;
      const running = context.reloads[name];
      if (!running) return;
      const reloads = { ...context.reloads };
      delete reloads[name];
      // XState keeps a finished child in `children` (with its whole context) until it is stopped.
      enqueue.stopChild(reloadActorId(name));
      const managed = context.plugins[name]!;
      const plugins = outcome.ok
        ? {
            ...context.plugins,
            [name]: { ...managed, plugin: running.plugin, generation: outcome.to.generation },
          }
        : context.plugins;
      enqueue.assign({ reloads, plugins });
      if (outcome.ok) {
        context.input.logger.info(
          `reloaded ${name}: ${outcome.from.version} → ${outcome.to.version} (generation ${outcome.to.generation}), switched after ${outcome.switchedAfterMs} ms`,
        );
        enqueue.sendTo('bus', reply(running.replyId, ok(outcome)));
      } else {
        const message = describeReloadFailure(outcome);
        context.input.logger.warn(message);
        enqueue.sendTo('bus', reply(running.replyId, err(outcome.code, message)));
      }
    }),
    reloadCrashed: enqueueActions(({ context, event, enqueue }) => {
      const prefix = 'xstate.error.actor.reload:';
      if (!event.type.startsWith(prefix) || !('error' in event)) return;
      const name = event.type.slice(prefix.length);
      const running = context.reloads[name];
      if (!running) return;
      const reloads = { ...context.reloads };
      delete reloads[name];
      enqueue.assign({ reloads });
      enqueue.stopChild(reloadActorId(name));
      const message = `reload of ${name} failed: ${errorMessage(event.error)}`;
      context.input.logger.error(message);
      enqueue.sendTo('bus', reply(running.replyId, err('INTERNAL', message)));
    }),
    routes: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'plugin.routes') return;
      const routes = Object.fromEntries(
        Object.entries(context.reloads).map(([name, r]) => [name, r.routedTo]),
      );
      enqueue.sendTo('bus', reply(event.replyId, ok({ routes })));
    }),
  },
}).createMachine({
  id: 'plugin-manager',
  context: ({ input }) => ({
    input,
    timing: { ...DEFAULT_RELOAD_TIMING, ...input.timing },
    plugins: Object.fromEntries(
      input.plugins.map((plugin) => [plugin.manifest.name, { plugin, generation: 1, nextGeneration: 2 }]),
    ),
    reloads: {},
  }),
  invoke: {
    id: 'bus',
    src: 'bus',
    input: ({ context }) =>
      bridgeInput(context.input, {
        // A reload waits for the new generation's start, the old one's drain and the grace period.
        serveTimeoutMs: 10 * 60_000,
        services: [
          { subject: subjects.pluginControl('list'), event: 'plugin.list', schema: anyRequest },
          { subject: subjects.pluginControl('reload'), event: 'plugin.reload', schema: reloadRequest },
          { subject: subjects.pluginControl('routes'), event: 'plugin.routes', schema: anyRequest },
        ],
      }),
  },
  initial: 'binding',
  // Also while binding: a shutdown during Rosey's start must not wait for the bus.
  on: { 'rosey.shutdown': '.stopped' },
  states: {
    binding: {
      on: { 'bus.bound': { target: 'serving', actions: sendParent(({ self }) => childReady(self)) } },
    },
    serving: {
      on: {
        'plugin.list': { actions: 'list' },
        'plugin.reload': { actions: 'startReload' },
        'plugin.routes': { actions: 'routes' },
        'reload.routed': {
          actions: assign({
            reloads: ({ context, event }) => {
              const running = context.reloads[event.plugin];
              return running
                ? { ...context.reloads, [event.plugin]: { ...running, routedTo: event.generation } }
                : context.reloads;
            },
          }),
        },
        'xstate.done.actor.*': { guard: 'fromReload', actions: 'finishReload' },
        // Anything else failing (the bus bridge) fails the manager: its supervisor restarts it.
        'xstate.error.actor.*': { guard: 'fromReload', actions: 'reloadCrashed' },
      },
    },
    stopped: { type: 'final' },
  },
});
