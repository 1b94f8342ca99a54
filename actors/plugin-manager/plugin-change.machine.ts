import { assign, fromPromise, setup, type AnyActorRef } from 'xstate';
import { errorMessage } from '../../kernel/result.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import type { ChildResultEvent } from '../../supervisors/supervisor-state.js';

/**
 * Starting a plugin that is not running (installed or enabled while Rosey runs), or stopping one
 * for good (disabled or removed): one change, driven on the `plugins` supervisor with OTP's
 * `start_child`, `terminate_child` and `delete_child`.
 */
export type PluginChangeInput =
  | {
      op: 'start';
      plugin: string;
      /** The `plugins` supervisor. */
      supervisor: AnyActorRef;
      /** The plugin's own supervisor (its migrations, then its host). */
      spec: ChildSpec;
      /** Gives the plugin its NATS user and permissions before it starts. */
      access: () => Promise<void>;
    }
  | { op: 'stop'; plugin: string; supervisor: AnyActorRef };

export type PluginChangeOutcome =
  | { ok: true; op: 'start' | 'stop'; plugin: string }
  | { ok: false; op: 'start' | 'stop'; plugin: string; reason: string };

export const pluginChangeMachine = setup({
  types: {
    input: {} as PluginChangeInput,
    context: {} as { input: PluginChangeInput; failure?: string },
    events: {} as ChildResultEvent,
    output: {} as PluginChangeOutcome,
  },
  actors: {
    access: fromPromise<void, { access: () => Promise<void> }>(({ input }) => input.access()),
  },
  guards: {
    starting: ({ context }) => context.input.op === 'start',
  },
  actions: {
    fail: assign({
      failure: ({ event }) => ('error' in event && typeof event.error === 'string' ? event.error : 'failed'),
    }),
  },
}).createMachine({
  id: 'plugin-change',
  context: ({ input }) => ({ input }),
  initial: 'choosing',
  output: ({ context }) =>
    context.failure === undefined
      ? { ok: true, op: context.input.op, plugin: context.input.plugin }
      : { ok: false, op: context.input.op, plugin: context.input.plugin, reason: context.failure },
  states: {
    choosing: { always: [{ guard: 'starting', target: 'granting' }, { target: 'terminating' }] },
    granting: {
      invoke: {
        src: 'access',
        input: ({ context }) => ({
          access: context.input.op === 'start' ? context.input.access : () => Promise.resolve(),
        }),
        onDone: 'starting',
        onError: {
          target: 'done',
          actions: assign({
            failure: ({ event }) => `cannot give it a NATS user: ${errorMessage(event.error)}`,
          }),
        },
      },
    },
    starting: {
      entry: ({ context, self }) => {
        if (context.input.op === 'start')
          context.input.supervisor.send({
            type: 'supervisor.start_child',
            spec: context.input.spec,
            replyTo: self,
          });
      },
      on: {
        'supervisor.result': [
          { guard: ({ event }) => event.op === 'start_child' && event.ok, target: 'done' },
          { guard: ({ event }) => event.op === 'start_child', target: 'done', actions: 'fail' },
        ],
      },
    },
    terminating: {
      entry: ({ context, self }) =>
        context.input.supervisor.send({
          type: 'supervisor.terminate_child',
          id: context.input.plugin,
          replyTo: self,
        }),
      on: {
        'supervisor.result': [
          { guard: ({ event }) => event.op === 'terminate_child' && event.ok, target: 'deleting' },
          { guard: ({ event }) => event.op === 'terminate_child', target: 'done', actions: 'fail' },
        ],
      },
    },
    deleting: {
      entry: ({ context, self }) =>
        context.input.supervisor.send({
          type: 'supervisor.delete_child',
          id: context.input.plugin,
          replyTo: self,
        }),
      on: {
        'supervisor.result': [
          // A dynamic supervisor (OTP) forgets a child it terminates: nothing left to delete is done.
          {
            guard: ({ event }) => event.op === 'delete_child' && (event.ok || event.error === 'not found'),
            target: 'done',
          },
          { guard: ({ event }) => event.op === 'delete_child', target: 'done', actions: 'fail' },
        ],
      },
    },
    done: { type: 'final' },
  },
});
