import type { ManagedPlugin } from './managed-plugin.js';
import { assertEvent, assign, enqueueActions, sendParent, setup, type AnyActorRef } from 'xstate';
import { z } from '../../contract/zod.js';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type InboundEvent,
  type RequestEvent,
} from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { Logger } from '../../contract/log.js';
import type { Grants } from '../../contract/capabilities.js';
import { loadPlugin, type LoadedPlugin } from '../../plugin-packages/manifest.js';
import { err, errorMessage, ok, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { blueGreenMachine, DEFAULT_RELOAD_TIMING, type ReloadTiming } from './blue-green.machine.js';
import {
  pluginNameRequestSchema,
  reloadRequestSchema,
  startRequestSchema,
  type ReloadOutcome,
} from '../../contract/messages/plugins.js';
import { childReady } from '../../supervisors/child-protocol.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { findChild } from '../../supervisors/child-ref.js';
import { describeTree, findNode, type TreeNode } from '../../supervisors/describe-tree.js';
import {
  pluginChangeMachine,
  type PluginChangeInput,
  type PluginChangeOutcome,
} from './plugin-change.machine.js';
import { describeReloadFailure, pluginRows } from './plugin-rows.js';
import type { InstalledChange } from '../../contract/messages/router.js';
import { announcedGeneration, forgedAnnouncement } from './forged-announcement.js';

export interface PluginManagerInput {
  link: BusLink;
  logger: Logger;
  /** System id of the root supervisor; plugins live under its `plugins` child. */
  rootSystemId: string;
  plugins: LoadedPlugin[];
  /** The host spec of a plugin generation, as the tree builds it. */
  /** `awaitRestore`: the generation will get the old one's state (docs/plugin-sdk.md#events). */
  hostSpec: (plugin: LoadedPlugin, generation: number, options?: { awaitRestore?: boolean }) => ChildSpec;
  /** Whether a plugin has migrations to apply before a new generation starts. */
  hasMigrations: (plugin: LoadedPlugin) => boolean;
  timing?: Partial<ReloadTiming>;
  /** What a plugin may do: its manifest's request under the operator's config. */
  grants: (plugin: LoadedPlugin) => Grants;
  /** A plugin's own supervisor (migrations, then its host), to start one that is not running. */
  pluginSpec: (plugin: LoadedPlugin, generation: number) => ChildSpec;
  /** Gives a plugin its NATS user with its grants' permissions (the embedded server); resolves once the server has it. */
  access: (plugin: LoadedPlugin) => Promise<void>;
  /** Takes a stopped plugin's NATS user away. */
  release: (plugin: string) => Promise<void>;
}

interface Reload {
  replyId: string;
  /** Where the route is pinned while the reload runs (reported to a restarted router). */
  routedTo: number;
  green: number;
  plugin: LoadedPlugin;
}

/** A plugin being started or stopped for good (install, enable, disable, remove). */
interface Change {
  replyId: string;
  op: 'start' | 'stop' | 'restart';
  plugin?: LoadedPlugin;
  generation?: number;
  /** A restart answers as a reload: from which generation. */
  from?: { generation: number; version: string };
  startedAt?: number;
}

interface ManagerContext {
  input: PluginManagerInput;
  timing: ReloadTiming;
  plugins: Record<string, ManagedPlugin>;
  reloads: Record<string, Reload>;
  changes: Record<string, Change>;
  /** Next generation of plugins stopped for good: a plugin started again never reuses one. */
  retired: Record<string, number>;
}

const anyRequest = z.object({}).passthrough();

type ManagerEvent =
  | RequestEvent<'plugin.list', Record<string, unknown>>
  | RequestEvent<'plugin.info', z.infer<typeof pluginNameRequestSchema>>
  | RequestEvent<'plugin.reload', z.infer<typeof reloadRequestSchema>>
  | RequestEvent<'plugin.restart', z.infer<typeof pluginNameRequestSchema>>
  | RequestEvent<'plugin.start', z.infer<typeof startRequestSchema>>
  | RequestEvent<'plugin.stop', z.infer<typeof pluginNameRequestSchema>>
  | RequestEvent<'plugin.routes', Record<string, unknown>>
  | InboundEvent<'plugin.announced', unknown>
  | { type: 'reload.routed'; plugin: string; generation: number }
  | { type: `xstate.done.actor.${string}`; output: ReloadOutcome | PluginChangeOutcome }
  | { type: `xstate.error.actor.${string}`; error: unknown }
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

/** The `plugins` supervisor under the root, where every plugin's own supervisor is a child. */
function pluginsSupervisor(
  rootSystemId: string,
  system: { get(id: string): unknown },
): AnyActorRef | undefined {
  const root = system.get(rootSystemId) as AnyActorRef | undefined;
  return root ? findChild(root, ['plugins'])?.ref : undefined;
}

const reply = (replyId: string, result: Result<unknown>): BridgeCommand => ({
  type: 'bus.reply',
  replyId,
  result,
});

/** Tells the router a plugin was installed or removed while Rosey runs. */
const installedChange = (plugin: string, version: string, installed: boolean): BridgeCommand => ({
  type: 'bus.publish',
  subject: subjects.pluginInstalled,
  data: { plugin, version, installed } satisfies InstalledChange,
});

const reloadActorId = (plugin: string) => `reload:${plugin}`;
const changeActorId = (plugin: string) => `change:${plugin}`;

/**
 * A plugin's cold restart, answered as a reload (`restarted: true`): its own supervisor is
 * terminated and removed if there is one, then started afresh from its folder as a new generation.
 * A failed plugin's reload takes this way, and so does `rosey.control.plugin.restart`.
 */
function coldRestart(
  context: ManagerContext,
  o: { replyId: string; name: string; plugin: LoadedPlugin; plugins: AnyActorRef; own: boolean },
): { input: PluginChangeInput; patch: Pick<ManagerContext, 'plugins' | 'changes'> } {
  const managed = context.plugins[o.name]!;
  const generation = managed.nextGeneration;
  return {
    input: {
      op: o.own ? 'restart' : 'start',
      plugin: o.name,
      supervisor: o.plugins,
      spec: () => context.input.pluginSpec(o.plugin, generation),
      access: () => context.input.access(o.plugin),
      release: () => context.input.release(o.name),
    },
    patch: {
      plugins: { ...context.plugins, [o.name]: { ...managed, nextGeneration: generation + 1 } },
      changes: {
        ...context.changes,
        [o.name]: {
          replyId: o.replyId,
          op: 'restart',
          plugin: o.plugin,
          generation,
          from: { generation: managed.generation, version: managed.plugin.manifest.version },
          startedAt: performance.now(),
        },
      },
    },
  };
}

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
  actors: { bus: busBridge, reload: blueGreenMachine, change: pluginChangeMachine },
  guards: {
    fromReload: ({ event }) =>
      event.type.startsWith('xstate.done.actor.reload:') ||
      event.type.startsWith('xstate.error.actor.reload:'),
    fromChange: ({ event }) =>
      event.type.startsWith('xstate.done.actor.change:') ||
      event.type.startsWith('xstate.error.actor.change:'),
  },
  actions: {
    list: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, 'plugin.list');
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
    info: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, 'plugin.info');
      const name = event.data.plugin;
      const managed = Object.hasOwn(context.plugins, name) ? context.plugins[name] : undefined;
      const starting = context.changes[name]?.op === 'start' ? context.changes[name] : undefined;
      if (!managed && !starting) {
        const known = Object.keys(context.plugins).sort().join(', ') || 'none';
        enqueue.sendTo(
          'bus',
          reply(event.replyId, err('NOT_FOUND', `no plugin named ${name} (loaded: ${known})`)),
        );
        return;
      }
      // The newest version: a plugin being reloaded or started already acts with its permissions.
      const plugin = context.reloads[name]?.plugin ?? starting?.plugin ?? managed!.plugin;
      const root = system.get(context.input.rootSystemId) as AnyActorRef | undefined;
      const tree = root ? describeTree(root) : undefined;
      const plugins = tree ? findNode(tree, 'plugins') : undefined;
      const row = managed
        ? pluginRows({ [name]: managed }, plugins, Object.keys(context.reloads))[0]!
        : {
            name,
            version: plugin.manifest.version,
            generation: starting!.generation!,
            state: 'starting',
            restarts: 0,
            reloading: false,
            dir: plugin.dir,
          };
      const { manifest } = plugin;
      enqueue.sendTo(
        'bus',
        reply(
          event.replyId,
          ok({
            ...row,
            description: manifest.description,
            author: manifest.author,
            manifestVersion: manifest.version,
            ...context.input.grants(plugin),
          }),
        ),
      );
    }),
    startReload: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, 'plugin.reload');
      const name = event.data.plugin;
      const refuse = (result: Result<unknown>) => enqueue.sendTo('bus', reply(event.replyId, result));
      const managed = Object.hasOwn(context.plugins, name) ? context.plugins[name] : undefined;
      if (!managed) {
        const known = Object.keys(context.plugins).sort().join(', ') || 'none';
        return refuse(err('NOT_FOUND', `no plugin named ${name} (loaded: ${known})`));
      }
      if (context.reloads[name]) return refuse(err('BUSY', `a reload of ${name} is already running`));
      if (context.changes[name]) return refuse(err('BUSY', `${name} is being started or stopped`));
      let plugin: LoadedPlugin;
      try {
        plugin = loadPlugin(event.data.dir ?? managed.plugin.dir);
      } catch (error) {
        return refuse(err('VALIDATION_ERROR', `${errorMessage(error)}; the running version keeps serving`));
      }
      if (plugin.manifest.name !== name)
        return refuse(
          err('VALIDATION_ERROR', `${plugin.dir} holds plugin ${plugin.manifest.name}, not ${name}`),
        );
      const root = system.get(context.input.rootSystemId) as AnyActorRef | undefined;
      const own = root ? findChild(root, ['plugins', name]) : undefined;
      const blue = own?.ref ? findChild(own.ref, [`${name}@${managed.generation}`]) : undefined;
      const plugins = pluginsSupervisor(context.input.rootSystemId, system);
      if (own?.record.status === 'failed' || (!own && plugins)) {
        // Nothing to hand over from (it gave up, or is gone): a cold restart from its folder.
        context.input.logger.info(
          `restarting ${name} (${own ? 'failed' : 'not running'}) as generation ${managed.nextGeneration}`,
        );
        const cold = coldRestart(context, {
          replyId: event.replyId,
          name,
          plugin,
          plugins: plugins!,
          own: !!own,
        });
        enqueue.spawnChild('change', { id: changeActorId(name), input: cold.input });
        enqueue.assign(cold.patch);
        return;
      }
      if (!own?.ref || own.record.status !== 'running' || blue?.record.status !== 'running') {
        const state = blue?.record.status ?? own?.record.status ?? 'not running';
        return refuse(err('BUSY', `${name} is ${state}: try again once it is running (or has failed)`));
      }
      const green = managed.nextGeneration;
      const handoff = blue.record.info?.snapshot === true;
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
            spec: context.input.hostSpec(plugin, green, { awaitRestore: handoff }),
          },
          migrate: context.input.hasMigrations(plugin),
          handoff,
          access: () => context.input.access(plugin),
          timing: context.timing,
          link: context.input.link,
          logger: context.input.logger.child(`reload:${name}`, { plugin: name }),
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
    restartPlugin: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, 'plugin.restart');
      const name = event.data.plugin;
      const refuse = (result: Result<unknown>) => enqueue.sendTo('bus', reply(event.replyId, result));
      const managed = Object.hasOwn(context.plugins, name) ? context.plugins[name] : undefined;
      if (!managed) {
        const known = Object.keys(context.plugins).sort().join(', ') || 'none';
        return refuse(err('NOT_FOUND', `no plugin named ${name} (loaded: ${known})`));
      }
      if (context.reloads[name]) return refuse(err('BUSY', `a reload of ${name} is running`));
      if (context.changes[name]) return refuse(err('BUSY', `${name} is being started or stopped`));
      const plugins = pluginsSupervisor(context.input.rootSystemId, system);
      if (!plugins) return refuse(err('NOT_FOUND', 'the plugins supervisor is not running'));
      const root = system.get(context.input.rootSystemId) as AnyActorRef | undefined;
      const own = root ? findChild(root, ['plugins', name]) : undefined;
      // Cold, running or not: its process stops, then starts again from its folder (no blue-green).
      context.input.logger.info(
        `restarting ${name} as generation ${managed.nextGeneration} (rosey.control.plugin.restart)`,
      );
      const cold = coldRestart(context, {
        replyId: event.replyId,
        name,
        plugin: managed.plugin,
        plugins,
        own: !!own,
      });
      enqueue.spawnChild('change', { id: changeActorId(name), input: cold.input });
      enqueue.assign(cold.patch);
    }),
    finishReload: enqueueActions(({ context, event, enqueue }) => {
      // Reached through `fromReload` only: the output is a reload's.
      assertEvent(event, 'xstate.done.actor.*');
      const outcome = event.output as ReloadOutcome;
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
        // The new version's permissions were given to the plugin's NATS user first: take them back.
        void context.input
          .access(managed.plugin)
          .catch((error: unknown) =>
            context.input.logger.error(
              `${name} keeps the failed version's NATS permissions: ${errorMessage(error)}`,
            ),
          );
        const message = describeReloadFailure(outcome);
        context.input.logger.warn(message);
        enqueue.sendTo('bus', reply(running.replyId, err(outcome.code, message)));
      }
    }),
    reloadCrashed: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'xstate.error.actor.*');
      const name = event.type.slice('xstate.error.actor.reload:'.length);
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
    startPlugin: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, 'plugin.start');
      const refuse = (result: Result<unknown>) => enqueue.sendTo('bus', reply(event.replyId, result));
      let plugin: LoadedPlugin;
      try {
        plugin = loadPlugin(event.data.dir);
      } catch (error) {
        return refuse(err('VALIDATION_ERROR', errorMessage(error)));
      }
      const name = plugin.manifest.name;
      if (context.reloads[name] || context.changes[name])
        return refuse(err('BUSY', `${name} is being reloaded, started or stopped`));
      if (Object.hasOwn(context.plugins, name))
        return refuse(err('CONFLICT', `${name} is already running: reload it to run another version`));
      const plugins = pluginsSupervisor(context.input.rootSystemId, system);
      if (!plugins) return refuse(err('NOT_FOUND', 'the plugins supervisor is not running'));
      const generation = context.retired[name] ?? 1;
      context.input.logger.info(`starting ${name} ${plugin.manifest.version}`, { generation });
      enqueue.spawnChild('change', {
        id: changeActorId(name),
        input: {
          op: 'start',
          plugin: name,
          supervisor: plugins,
          spec: () => context.input.pluginSpec(plugin, generation),
          access: () => context.input.access(plugin),
          release: () => context.input.release(name),
        },
      });
      enqueue.assign({
        changes: { ...context.changes, [name]: { replyId: event.replyId, op: 'start', plugin, generation } },
      });
      // The router knows its commands are coming (issue 28): they wait for it rather than being unknown.
      enqueue.sendTo('bus', installedChange(name, plugin.manifest.version, true));
    }),
    stopPlugin: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, 'plugin.stop');
      const name = event.data.plugin;
      const refuse = (result: Result<unknown>) => enqueue.sendTo('bus', reply(event.replyId, result));
      if (!Object.hasOwn(context.plugins, name)) return refuse(err('NOT_FOUND', `${name} is not running`));
      if (context.reloads[name] || context.changes[name])
        return refuse(err('BUSY', `${name} is being reloaded, started or stopped`));
      const plugins = pluginsSupervisor(context.input.rootSystemId, system);
      if (!plugins) return refuse(err('NOT_FOUND', 'the plugins supervisor is not running'));
      context.input.logger.info(`stopping ${name}`);
      enqueue.spawnChild('change', {
        id: changeActorId(name),
        input: { op: 'stop', plugin: name, supervisor: plugins, release: () => context.input.release(name) },
      });
      enqueue.assign({ changes: { ...context.changes, [name]: { replyId: event.replyId, op: 'stop' } } });
    }),
    finishChange: enqueueActions(({ context, event, enqueue }) => {
      const done = event.type.startsWith('xstate.done.actor.change:');
      const name = event.type.slice(
        done ? 'xstate.done.actor.change:'.length : 'xstate.error.actor.change:'.length,
      );
      const change = context.changes[name];
      if (!change) return;
      const changes = { ...context.changes };
      delete changes[name];
      enqueue.stopChild(changeActorId(name));
      const outcome: PluginChangeOutcome =
        done && 'output' in event
          ? (event.output as PluginChangeOutcome)
          : {
              ok: false,
              op: change.op,
              plugin: name,
              reason: 'error' in event ? errorMessage(event.error) : 'failed',
            };
      const plugins = { ...context.plugins };
      const retired = { ...context.retired };
      if (change.op === 'restart') {
        if (outcome.ok)
          plugins[name] = { ...plugins[name]!, plugin: change.plugin!, generation: change.generation! };
      } else if (outcome.ok && change.op === 'start') {
        plugins[name] = {
          plugin: change.plugin!,
          generation: change.generation!,
          nextGeneration: change.generation! + 1,
        };
        delete retired[name];
      } else if (outcome.ok) {
        retired[name] = plugins[name]!.nextGeneration;
        delete plugins[name];
      } else if (change.op === 'start') {
        // Its generation may have sent messages: the next attempt takes a fresh one.
        retired[name] = change.generation! + 1;
      }
      enqueue.assign({ changes, plugins, retired });
      // Stopped for good, or a start that failed (the router was told it was coming): not installed.
      if ((outcome.ok && change.op === 'stop') || (!outcome.ok && change.op === 'start'))
        enqueue.sendTo('bus', installedChange(name, '', false));
      if (outcome.ok && change.op === 'restart') {
        const tookMs = Math.round(performance.now() - change.startedAt!);
        context.input.logger.info(`restarted ${name} as generation ${change.generation}`);
        // Answered as a reload: nothing was serving, so nothing to drain or hand over.
        enqueue.sendTo(
          'bus',
          reply(
            change.replyId,
            ok({
              plugin: name,
              from: change.from,
              to: { generation: change.generation, version: change.plugin!.manifest.version },
              switchedAfterMs: tookMs,
              drained: 0,
              drainTimedOut: false,
              handedOver: false,
              tookMs,
              restarted: true,
            }),
          ),
        );
      } else if (outcome.ok) {
        context.input.logger.info(`${change.op === 'start' ? 'started' : 'stopped'} ${name}`);
        enqueue.sendTo(
          'bus',
          reply(
            change.replyId,
            ok({ plugin: name, op: change.op, version: change.plugin?.manifest.version }),
          ),
        );
      } else {
        const message = `could not ${change.op} ${name}: ${outcome.reason}`;
        context.input.logger.warn(message);
        enqueue.sendTo('bus', reply(change.replyId, err('PLUGIN_ERROR', message)));
      }
    }),
    checkAnnouncement: enqueueActions(({ context, event, enqueue, system }) => {
      assertEvent(event, 'plugin.announced');
      const claim = announcedGeneration(event.meta.subject);
      const root = system.get(context.input.rootSystemId) as AnyActorRef | undefined;
      if (!claim || !root || !findChild(root, ['plugins'])) return;
      // Every generation Rosey starts is a host `<plugin>@<generation>` under the plugin's own
      // supervisor, added before its process exists: no host, no such generation.
      if (findChild(root, ['plugins', claim.plugin, `${claim.plugin}@${claim.generation}`])) return;
      const violation = forgedAnnouncement(event.meta.subject, claim);
      context.input.logger.warn(violation.reason, { subject: event.meta.subject });
      enqueue.sendTo('bus', {
        type: 'bus.publish',
        subject: subjects.securityViolation,
        data: violation,
        from: event.meta,
      } satisfies BridgeCommand);
    }),
    routes: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'plugin.routes');
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
    changes: {},
    retired: {},
  }),
  invoke: {
    id: 'bus',
    src: 'bus',
    input: ({ context }) =>
      bridgeInput(context.input, {
        // A reload waits for the new generation's start, the old one's drain and the grace period.
        serveTimeoutMs: 10 * 60_000,
        // Any payload: a forged announcement is reported whatever it holds.
        subscriptions: [{ subject: subjects.anyPluginReady, event: 'plugin.announced', schema: z.unknown() }],
        services: [
          { subject: subjects.pluginControl('list'), event: 'plugin.list', schema: anyRequest },
          { subject: subjects.pluginControl('info'), event: 'plugin.info', schema: pluginNameRequestSchema },
          { subject: subjects.pluginControl('reload'), event: 'plugin.reload', schema: reloadRequestSchema },
          {
            subject: subjects.pluginControl('restart'),
            event: 'plugin.restart',
            schema: pluginNameRequestSchema,
          },
          { subject: subjects.pluginControl('start'), event: 'plugin.start', schema: startRequestSchema },
          { subject: subjects.pluginControl('stop'), event: 'plugin.stop', schema: pluginNameRequestSchema },
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
        'plugin.info': { actions: 'info' },
        'plugin.reload': { actions: 'startReload' },
        'plugin.restart': { actions: 'restartPlugin' },
        'plugin.start': { actions: 'startPlugin' },
        'plugin.stop': { actions: 'stopPlugin' },
        'plugin.routes': { actions: 'routes' },
        'plugin.announced': { actions: 'checkAnnouncement' },
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
        'xstate.done.actor.*': [
          { guard: 'fromReload', actions: 'finishReload' },
          { guard: 'fromChange', actions: 'finishChange' },
        ],
        // Anything else failing (the bus bridge) fails the manager: its supervisor restarts it.
        'xstate.error.actor.*': [
          { guard: 'fromReload', actions: 'reloadCrashed' },
          { guard: 'fromChange', actions: 'finishChange' },
        ],
      },
    },
    stopped: { type: 'final' },
  },
});
