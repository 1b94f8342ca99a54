import { reloadReplySchema } from '../../contract/messages/plugins.js';
import { checkReply } from '../../contract/request.js';
import { watch, type FSWatcher } from 'node:fs';
import { assertEvent, enqueueActions, fromCallback, sendParent, setup } from 'xstate';
import { bridgeInput, busBridge, type BusResponseEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { Logger } from '../../contract/log.js';
import { subjects } from '../../contract/subjects.js';
import { childReady } from '../../supervisors/child-protocol.js';

export interface PluginWatcherInput {
  link: BusLink;
  logger: Logger;
  /** Plugin name → its folder. */
  plugins: Record<string, string>;
  /** Quiet time after the last change before the reload starts (editors write in bursts). */
  debounceMs?: number;
}

type WatchEvent = { type: 'files.changed'; plugin: string };

/** Folders whose changes are not the plugin's code (dependencies, VCS, editor droppings). */
const IGNORED = /(^|\/)(node_modules|\.git|data)(\/|$)|(^|\/)\.[^/]*$|~$|\.swp$/;

/** fs.watch on every plugin folder (recursive); one event per change, named by plugin. */
const folderWatcher = fromCallback<{ type: 'none' }, { plugins: Record<string, string>; logger: Logger }>(
  ({ input, sendBack }) => {
    const watchers: FSWatcher[] = [];
    for (const [plugin, dir] of Object.entries(input.plugins)) {
      try {
        const watcher = watch(dir, { recursive: true }, (_kind, file) => {
          if (file && IGNORED.test(String(file))) return;
          sendBack({ type: 'files.changed', plugin } satisfies WatchEvent);
        });
        watcher.on('error', (error) => input.logger.warn(`not watching ${dir} any more: ${error.message}`));
        watchers.push(watcher);
      } catch (error) {
        input.logger.warn(`cannot watch ${dir}: ${(error as Error).message}`);
      }
    }
    return () => watchers.forEach((w) => w.close());
  },
);

interface WatcherContext {
  input: Required<PluginWatcherInput>;
  /** Plugins whose reload is running, and those changed again meanwhile. */
  reloading: string[];
  again: string[];
}

type WatcherEvent =
  | WatchEvent
  | { type: 'reload.due'; plugin: string }
  | BusResponseEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

/**
 * `rosey dev --watch`: reloads a plugin blue-green (through `rosey.control.plugin.reload`) once its
 * files have been quiet for `debounceMs` after a change. A change during that plugin's reload
 * queues one more reload after it. Outcomes go to the log: a failure as a warning (shown in the
 * terminal), with the old version still serving.
 */
export const pluginWatcherMachine = setup({
  types: {
    input: {} as PluginWatcherInput,
    context: {} as WatcherContext,
    events: {} as WatcherEvent,
  },
  actors: { bus: busBridge, folders: folderWatcher },
  actions: {
    debounce: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'files.changed');
      const id = `due:${event.plugin}`;
      enqueue.cancel(id);
      enqueue.raise({ type: 'reload.due', plugin: event.plugin }, { id, delay: context.input.debounceMs });
    }),
    reload: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'reload.due');
      if (context.reloading.includes(event.plugin)) {
        if (!context.again.includes(event.plugin))
          enqueue.assign({ again: [...context.again, event.plugin] });
        return;
      }
      context.input.logger.info(`${event.plugin} changed: reloading`);
      enqueue.assign({ reloading: [...context.reloading, event.plugin] });
      enqueue.sendTo('bus', {
        type: 'bus.request',
        subject: subjects.pluginControl('reload'),
        data: { plugin: event.plugin },
        timeoutMs: 10 * 60_000,
        requestId: `reload:${event.plugin}`,
        context: event.plugin,
      });
    }),
    reloaded: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'bus.response');
      // Every request the watcher sends is a reload, its context the plugin's name.
      if (typeof event.context !== 'string') return;
      const plugin = event.context;
      const reloaded = checkReply(subjects.pluginControl('reload'), reloadReplySchema, event.result);
      if (reloaded.ok) {
        const { to } = reloaded.data;
        context.input.logger.info(`reloaded ${plugin}: ${to.version} (generation ${to.generation})`);
      } else {
        context.input.logger.warn(`reload of ${plugin} after a change failed: ${reloaded.error.message}`);
      }
      enqueue.assign({
        reloading: context.reloading.filter((p) => p !== plugin),
        again: context.again.filter((p) => p !== plugin),
      });
      if (context.again.includes(plugin)) enqueue.raise({ type: 'reload.due', plugin });
    }),
  },
}).createMachine({
  id: 'plugin-watcher',
  context: ({ input }) => ({ input: { debounceMs: 300, ...input }, reloading: [], again: [] }),
  invoke: { id: 'bus', src: 'bus', input: ({ context }) => bridgeInput(context.input, {}) },
  initial: 'binding',
  // Also while binding: a shutdown during Rosey's start must not wait for the bus.
  on: { 'rosey.shutdown': '.stopped' },
  states: {
    binding: {
      on: { 'bus.bound': { target: 'watching', actions: sendParent(({ self }) => childReady(self)) } },
    },
    watching: {
      invoke: {
        id: 'folders',
        src: 'folders',
        input: ({ context }) => ({ plugins: context.input.plugins, logger: context.input.logger }),
      },
      on: {
        'files.changed': { actions: 'debounce' },
        'reload.due': { actions: 'reload' },
        'bus.response': { actions: 'reloaded' },
      },
    },
    stopped: { type: 'final' },
  },
});
