import { assign, fromPromise, setup, type AnyActorRef } from 'xstate';
import { errorMessage } from '../../contract/result.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import type { ChildResultEvent } from '../../supervisors/supervisor-state.js';

/**
 * Starting a plugin that is not running (installed or enabled while Rosey runs), or stopping one
 * for good (disabled or removed): one change, driven on the dynamic `plugins` supervisor with OTP's
 * `start_child`, `terminate_child` and `delete_child`. A plugin that is not running keeps no NATS
 * user: a stop, and a start that failed, take it away again.
 */
export type PluginChangeInput = {
  plugin: string;
  /** The `plugins` supervisor. */
  supervisor: AnyActorRef;
  /** Takes the plugin's NATS user away (the server drops its connections). */
  release: () => Promise<void>;
} & (
  | {
      /** `restart`: a plugin that is not running (failed) starts again from its folder. */
      op: 'start' | 'restart';
      /** The plugin's own supervisor (its migrations, then its host), made once its NATS user exists. */
      spec: () => ChildSpec;
      /** Gives the plugin its NATS user and permissions before it starts. */
      access: () => Promise<void>;
    }
  | { op: 'stop' }
);

export type PluginChangeOutcome =
  | { ok: true; op: PluginChangeInput['op']; plugin: string }
  | { ok: false; op: PluginChangeInput['op']; plugin: string; reason: string };

const answered =
  (op: ChildResultEvent['op']) =>
  ({ event }: { event: ChildResultEvent }) =>
    event.op === op;

export const pluginChangeMachine = setup({
  types: {
    input: {} as PluginChangeInput,
    context: {} as { input: PluginChangeInput; failure?: string },
    events: {} as ChildResultEvent,
    output: {} as PluginChangeOutcome,
  },
  actors: {
    run: fromPromise<void, { task: () => Promise<void> }>(({ input }) => input.task()),
  },
  guards: {
    starting: ({ context }) => context.input.op === 'start',
  },
  actions: {
    fail: assign({ failure: ({ event }) => event.error ?? 'failed' }),
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
    // A restart clears the failed plugin out of the supervisor first, then starts it like a new one.
    choosing: { always: [{ guard: 'starting', target: 'granting' }, { target: 'terminating' }] },
    granting: {
      invoke: {
        src: 'run',
        input: ({ context }) => ({
          task: context.input.op === 'stop' ? () => Promise.resolve() : context.input.access,
        }),
        onDone: 'starting',
        onError: {
          target: 'releasing',
          actions: assign({
            failure: ({ event }) => `cannot give it a NATS user: ${errorMessage(event.error)}`,
          }),
        },
      },
    },
    starting: {
      entry: ({ context, self }) => {
        if (context.input.op !== 'stop')
          context.input.supervisor.send({
            type: 'supervisor.start_child',
            spec: context.input.spec(),
            replyTo: self,
          });
      },
      on: {
        'supervisor.result': [
          { guard: ({ event }) => event.op === 'start_child' && event.ok, target: 'done' },
          // The failed child stays in the supervisor's records (as `failed`) until deleted.
          { guard: answered('start_child'), target: 'terminating', actions: 'fail' },
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
          // After a failed start there may be nothing left to terminate; its record still goes.
          {
            guard: ({ event, context }) => event.op === 'terminate_child' && context.failure !== undefined,
            target: 'deleting',
          },
          { guard: answered('terminate_child'), target: 'done', actions: 'fail' },
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
            guard: ({ event, context }) =>
              event.op === 'delete_child' &&
              (event.ok || event.error === 'not found') &&
              context.input.op === 'restart' &&
              context.failure === undefined,
            target: 'granting',
          },
          {
            guard: ({ event }) => event.op === 'delete_child' && (event.ok || event.error === 'not found'),
            target: 'releasing',
          },
          { guard: answered('delete_child'), target: 'done', actions: 'fail' },
        ],
      },
    },
    releasing: {
      invoke: {
        src: 'run',
        input: ({ context }) => ({ task: context.input.release }),
        onDone: 'done',
        onError: {
          target: 'done',
          actions: assign({
            failure: ({ context, event }) =>
              context.failure ??
              `stopped, but its NATS user stays until the next start: ${errorMessage(event.error)}`,
          }),
        },
      },
    },
    done: { type: 'final' },
  },
});
