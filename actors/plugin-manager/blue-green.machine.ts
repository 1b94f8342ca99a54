import { assign, enqueueActions, fromPromise, sendParent, setup, type AnyActorRef } from 'xstate';
import { bridgeInput, busBridge, type BusResponseEvent, type InboundEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import { pluginDownSchema, type PluginDown } from '../../contract/messages/commands.js';
import type { Logger } from '../../contract/log.js';
import { errorMessage, type ErrorCode } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import type { Generation, ReloadOutcome, ReloadStage } from '../../contract/messages/plugins.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import type { ChildResultEvent } from '../../supervisors/supervisor-state.js';

export interface ReloadTiming {
  /** Attempts of the new generation's health check before it counts as unhealthy. */
  healthAttempts: number;
  healthTimeoutMs: number;
  /** Pause between two health attempts. */
  healthIntervalMs: number;
  /** How long the old generation may take to finish the commands it already has. */
  drainTimeoutMs: number;
  /** After the switch, the old generation stays ready this long; a crash of the new one switches back. */
  graceMs: number;
  /** Applying the new version's migrations. */
  migrateTimeoutMs: number;
}

export const DEFAULT_RELOAD_TIMING: ReloadTiming = {
  healthAttempts: 3,
  healthTimeoutMs: 2000,
  healthIntervalMs: 250,
  drainTimeoutMs: 30_000,
  graceMs: 5000,
  migrateTimeoutMs: 5 * 60_000,
};

export interface BlueGreenInput {
  plugin: string;
  /** The plugin's own supervisor: both generations are its children while the reload runs. */
  supervisor: AnyActorRef;
  /** The generation serving now (its child id is `<plugin>@<generation>`). */
  blue: Generation;
  /** The new generation and the child spec of its host. */
  green: Generation & { spec: ChildSpec };
  /** Apply the plugin's pending migrations before the new generation starts. */
  migrate: boolean;
  /** Blue can hand its state over (it has `snapshot`): hold, drain, snapshot, restore, then switch. */
  handoff?: boolean;
  /** Gives the plugin's NATS user the new version's permissions, before anything else (an upgrade). */
  access?: () => Promise<void>;
  timing: ReloadTiming;
  link: BusLink;
  logger: Logger;
}

interface BlueGreenContext {
  input: BlueGreenInput;
  startedAt: number;
  switchedAt?: number;
  healthAttempt: number;
  drained: number;
  drainTimedOut: boolean;
  greenStarted: boolean;
  /** Blue's snapshot, on its way to green. */
  state?: unknown;
  handedOver: boolean;
  failure?: { stage: ReloadStage; code: ErrorCode; reason: string; rolledBack: boolean };
}

type BlueGreenEvent =
  | BusResponseEvent
  | ChildResultEvent
  | InboundEvent<'green.down', PluginDown>
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

const childId = (plugin: string, generation: number) => `${plugin}@${generation}`;

const responseOk =
  (requestId: string) =>
  ({ event }: { event: BlueGreenEvent }) =>
    event.type === 'bus.response' && event.requestId === requestId && event.result.ok;

const supervisorAnswered =
  (op: ChildResultEvent['op']) =>
  ({ event }: { event: BlueGreenEvent }) =>
    event.type === 'supervisor.result' && event.op === op;

const errorText = (event: BlueGreenEvent): { code: ErrorCode; message: string } =>
  event.type === 'bus.response' && !event.result.ok
    ? event.result.error
    : event.type === 'supervisor.result'
      ? { code: 'PLUGIN_ERROR', message: event.error ?? 'failed' }
      : { code: 'INTERNAL', message: 'unexpected answer' };

/**
 * One blue-green reload of one plugin, run next to its supervisor:
 *
 *   pin the route to blue → (migrations) → start green as a child of the plugin's supervisor →
 *   health-check it → switch the router's route to green → drain blue → grace period → stop blue.
 *
 * Until the switch every failure stops green and leaves blue serving. During the grace period blue
 * still runs (drained, idle): if green goes down, the route goes back to blue at once and green is
 * stopped. Either way the plugin's route is unpinned at the end, and the outcome is the output.
 */
export const blueGreenMachine = setup({
  types: {
    input: {} as BlueGreenInput,
    context: {} as BlueGreenContext,
    events: {} as BlueGreenEvent,
    output: {} as ReloadOutcome,
  },
  actors: {
    bus: busBridge,
    access: fromPromise<void, { access?: () => Promise<void> }>(async ({ input }) => {
      await input.access?.();
    }),
  },
  delays: {
    healthInterval: ({ context }) => context.input.timing.healthIntervalMs,
    grace: ({ context }) => context.input.timing.graceMs,
  },
  guards: {
    migrated: responseOk('migrate'),
    started: ({ event }) => event.type === 'supervisor.result' && event.op === 'start_child' && event.ok,
    startAnswered: supervisorAnswered('start_child'),
    healthy: responseOk('health'),
    healthAnswered: ({ event }) => event.type === 'bus.response' && event.requestId === 'health',
    triesLeft: ({ context }) => context.healthAttempt < context.input.timing.healthAttempts,
    switched: responseOk('switch'),
    switchAnswered: ({ event }) => event.type === 'bus.response' && event.requestId === 'switch',
    drainAnswered: ({ event }) => event.type === 'bus.response' && event.requestId === 'drain',
    terminated: supervisorAnswered('terminate_child'),
    deleted: supervisorAnswered('delete_child'),
    unpinned: ({ event }) => event.type === 'bus.response' && event.requestId === 'unpin',
    routedBack: ({ event }) => event.type === 'bus.response' && event.requestId === 'route-back',
    greenStarted: ({ context }) => context.greenStarted,
  },
  actions: {
    request: enqueueActions(
      ({ context, enqueue }, params: { id: string; subject: string; data: unknown; timeoutMs?: number }) =>
        enqueue.sendTo('bus', {
          type: 'bus.request',
          subject: params.subject,
          data: params.data,
          timeoutMs: params.timeoutMs ?? context.input.timing.healthTimeoutMs,
          requestId: params.id,
        }),
    ),
    toSupervisor: enqueueActions(
      (
        { context, enqueue, self },
        params: { op: 'start_child' | 'terminate_child' | 'delete_child'; generation: 'blue' | 'green' },
      ) => {
        const { input } = context;
        const id = childId(input.plugin, input[params.generation].generation);
        enqueue.sendTo(
          input.supervisor,
          params.op === 'start_child'
            ? { type: 'supervisor.start_child', spec: input.green.spec, replyTo: self }
            : { type: `supervisor.${params.op}`, id, replyTo: self },
        );
      },
    ),
    fail: assign({
      failure: ({ event }, params: { stage: ReloadStage; rolledBack?: boolean; reason?: string }) => {
        const error = errorText(event);
        return {
          stage: params.stage,
          code: params.rolledBack ? 'ROLLED_BACK' : error.code,
          reason: params.reason ?? error.message,
          rolledBack: params.rolledBack ?? false,
        };
      },
    }),
    // The manager tells a restarted router where the route is pinned while the reload runs.
    reportRoute: sendParent(({ context, event }) => ({
      type: 'reload.routed' as const,
      plugin: context.input.plugin,
      generation:
        event.type === 'bus.response' && event.requestId === 'switch'
          ? context.input.green.generation
          : context.input.blue.generation,
    })),
    log: ({ context }, params: { level: 'info' | 'warn'; msg: string }) =>
      context.input.logger[params.level](params.msg),
  },
}).createMachine({
  id: 'blue-green',
  context: ({ input }) => ({
    input,
    startedAt: performance.now(),
    healthAttempt: 0,
    drained: 0,
    drainTimedOut: false,
    greenStarted: false,
    handedOver: false,
  }),
  invoke: {
    id: 'bus',
    src: 'bus',
    input: ({ context }) =>
      bridgeInput(context.input, {
        subscriptions: [
          {
            subject: subjects.pluginDown(context.input.plugin, context.input.green.generation),
            event: 'green.down',
            schema: pluginDownSchema,
          },
        ],
      }),
  },
  initial: 'binding',
  output: ({ context }): ReloadOutcome => {
    const { input, failure } = context;
    const blue = { generation: input.blue.generation, version: input.blue.version };
    const green = { generation: input.green.generation, version: input.green.version };
    if (failure) return { ok: false, plugin: input.plugin, ...failure, serving: blue };
    return {
      ok: true,
      plugin: input.plugin,
      from: blue,
      to: green,
      switchedAfterMs: Math.round((context.switchedAt ?? 0) - context.startedAt),
      drained: context.drained,
      drainTimedOut: context.drainTimedOut,
      handedOver: context.handedOver,
      tookMs: Math.round(performance.now() - context.startedAt),
    };
  },
  states: {
    binding: { on: { 'bus.bound': 'granting' } },
    granting: {
      invoke: {
        src: 'access',
        input: ({ context }) => ({ access: context.input.access }),
        onDone: 'pinning',
        onError: {
          target: 'unpinning',
          actions: assign({
            failure: ({ event }) => ({
              stage: 'granting' as const,
              code: 'INTERNAL' as const,
              reason: `cannot give it the new permissions: ${errorMessage(event.error)}`,
              rolledBack: false,
            }),
          }),
        },
      },
    },
    // Pinning keeps green's announcement from taking the route before it has been checked.
    pinning: {
      entry: {
        type: 'request',
        params: ({ context }) => ({
          id: 'pin',
          subject: subjects.routerRoute,
          data: { plugin: context.input.plugin, generation: context.input.blue.generation },
        }),
      },
      on: {
        'bus.response': [
          { guard: ({ context }) => context.input.migrate, target: 'migrating' },
          { target: 'starting' },
        ],
      },
    },
    migrating: {
      entry: {
        type: 'request',
        params: ({ context }) => ({
          id: 'migrate',
          subject: subjects.migrate(context.input.plugin, 'apply'),
          data: { actor: 'rosey (reload)' },
          timeoutMs: context.input.timing.migrateTimeoutMs,
        }),
      },
      on: {
        'bus.response': [
          { guard: 'migrated', target: 'starting' },
          {
            target: 'abandon',
            actions: { type: 'fail', params: { stage: 'migrating' } },
          },
        ],
      },
    },
    starting: {
      entry: { type: 'toSupervisor', params: { op: 'start_child', generation: 'green' } },
      on: {
        'supervisor.result': [
          { guard: 'started', target: 'checking', actions: assign({ greenStarted: true }) },
          {
            guard: 'startAnswered',
            target: 'abandon',
            actions: { type: 'fail', params: { stage: 'starting' } },
          },
        ],
      },
    },
    checking: {
      entry: [
        assign({ healthAttempt: ({ context }) => context.healthAttempt + 1 }),
        {
          type: 'request',
          params: ({ context }) => ({
            id: 'health',
            subject: subjects.pluginHealth(context.input.plugin, context.input.green.generation),
            data: {},
          }),
        },
      ],
      on: {
        'bus.response': [
          {
            guard: ({ context, event }) => context.input.handoff === true && responseOk('health')({ event }),
            target: 'handoff',
          },
          { guard: 'healthy', target: 'switching' },
          { guard: 'triesLeft', target: 'recheck' },
          {
            guard: 'healthAnswered',
            target: 'abandon',
            actions: { type: 'fail', params: { stage: 'checking' } },
          },
        ],
        'green.down': {
          target: 'abandon',
          actions: {
            type: 'fail',
            params: ({ event }) => ({ stage: 'checking' as const, reason: `exited: ${event.data.reason}` }),
          },
        },
      },
    },
    recheck: { after: { healthInterval: 'checking' } },
    // New commands wait at the router while blue finishes its own and hands its state to green: no
    // command runs on state the other generation has already moved past.
    handoff: {
      initial: 'holding',
      on: {
        'green.down': {
          target: '.releasing',
          actions: {
            type: 'fail',
            params: ({ event }) => ({ stage: 'handoff' as const, reason: `exited: ${event.data.reason}` }),
          },
        },
      },
      states: {
        holding: {
          entry: {
            type: 'request',
            params: ({ context }) => ({
              id: 'hold',
              subject: subjects.routerHold,
              data: {
                plugin: context.input.plugin,
                maxMs: context.input.timing.drainTimeoutMs + 3 * context.input.timing.healthTimeoutMs + 5000,
              },
            }),
          },
          on: {
            'bus.response': [
              { guard: responseOk('hold'), target: 'drainingBlue' },
              { target: '#blue-green.abandon', actions: { type: 'fail', params: { stage: 'handoff' } } },
            ],
          },
        },
        drainingBlue: {
          entry: {
            type: 'request',
            params: ({ context }) => ({
              id: 'drain-blue',
              subject: subjects.routerDrain,
              data: { plugin: context.input.plugin, generation: context.input.blue.generation },
              timeoutMs: context.input.timing.drainTimeoutMs,
            }),
          },
          on: {
            'bus.response': [
              { guard: responseOk('drain-blue'), target: 'snapshotting' },
              // Still busy: its snapshot could miss what it is doing, so blue keeps its state and serves on.
              { target: 'releasing', actions: { type: 'fail', params: { stage: 'handoff' } } },
            ],
          },
        },
        snapshotting: {
          entry: {
            type: 'request',
            params: ({ context }) => ({
              id: 'snapshot',
              subject: subjects.pluginSnapshot(context.input.plugin, context.input.blue.generation),
              data: {},
            }),
          },
          on: {
            'bus.response': [
              {
                guard: responseOk('snapshot'),
                target: 'restoring',
                actions: assign({
                  state: ({ event }) =>
                    event.type === 'bus.response' && event.result.ok
                      ? (event.result.data as { state?: unknown }).state
                      : undefined,
                }),
              },
              { target: 'releasing', actions: { type: 'fail', params: { stage: 'handoff' } } },
            ],
          },
        },
        restoring: {
          entry: {
            type: 'request',
            params: ({ context }) => ({
              id: 'restore',
              subject: subjects.pluginRestore(context.input.plugin, context.input.green.generation),
              data: { state: context.state ?? null },
            }),
          },
          on: {
            'bus.response': [
              {
                guard: responseOk('restore'),
                target: '#blue-green.switching',
                actions: assign({ handedOver: true, state: undefined }),
              },
              // The new version takes no state: it starts fresh, as without a hand-off.
              {
                guard: ({ event }) =>
                  event.type === 'bus.response' &&
                  !event.result.ok &&
                  event.result.error.code === 'NOT_SUPPORTED',
                target: '#blue-green.switching',
                actions: [
                  assign({ state: undefined }),
                  {
                    type: 'log',
                    params: {
                      level: 'warn' as const,
                      msg: 'reload: the new version has no restore(); it starts without the old state',
                    },
                  },
                ],
              },
              { target: 'releasing', actions: { type: 'fail', params: { stage: 'handoff' } } },
            ],
          },
        },
        // The reload stops here: blue, with its state, takes the held commands.
        releasing: {
          entry: {
            type: 'request',
            params: ({ context }) => ({
              id: 'release',
              subject: subjects.routerRelease,
              data: { plugin: context.input.plugin },
            }),
          },
          on: { 'bus.response': '#blue-green.abandon' },
        },
      },
    },
    switching: {
      entry: {
        type: 'request',
        params: ({ context }) => ({
          id: 'switch',
          subject: subjects.routerRoute,
          data: { plugin: context.input.plugin, generation: context.input.green.generation },
        }),
      },
      on: {
        'bus.response': [
          {
            guard: 'switched',
            target: 'switched',
            actions: [
              'reportRoute',
              assign({
                switchedAt: () => performance.now(),
                drained: ({ event }) =>
                  event.type === 'bus.response' && event.result.ok
                    ? ((event.result.data as { inFlight?: number }).inFlight ?? 0)
                    : 0,
              }),
              {
                type: 'log',
                params: ({ context }) => ({
                  level: 'info' as const,
                  msg: `reload: commands now go to ${context.input.green.version} (generation ${context.input.green.generation})`,
                }),
              },
            ],
          },
          {
            guard: 'switchAnswered',
            target: 'abandon',
            actions: { type: 'fail', params: { stage: 'switching' } },
          },
        ],
      },
    },
    // Green serves. Blue finishes what it has, then stays up (idle) for the grace period: if green
    // goes down meanwhile, commands go back to blue.
    switched: {
      initial: 'draining',
      on: {
        'green.down': {
          target: 'rollingBack',
          actions: {
            type: 'fail',
            params: ({ event }) => ({
              stage: 'grace' as const,
              rolledBack: true,
              reason: `the new generation exited after the switch (${event.data.reason})`,
            }),
          },
        },
      },
      states: {
        draining: {
          entry: {
            type: 'request',
            params: ({ context }) => ({
              id: 'drain',
              subject: subjects.routerDrain,
              data: { plugin: context.input.plugin, generation: context.input.blue.generation },
              timeoutMs: context.input.timing.drainTimeoutMs,
            }),
          },
          on: {
            'bus.response': {
              guard: 'drainAnswered',
              target: 'grace',
              actions: assign({
                drainTimedOut: ({ event }) => event.type === 'bus.response' && !event.result.ok,
              }),
            },
          },
        },
        grace: { after: { grace: '#blue-green.retiringBlue' } },
      },
    },
    retiringBlue: {
      entry: { type: 'toSupervisor', params: { op: 'terminate_child', generation: 'blue' } },
      on: { 'supervisor.result': { guard: 'terminated', target: 'forgettingBlue' } },
    },
    forgettingBlue: {
      entry: { type: 'toSupervisor', params: { op: 'delete_child', generation: 'blue' } },
      on: { 'supervisor.result': { guard: 'deleted', target: 'unpinning' } },
    },
    rollingBack: {
      entry: [
        {
          type: 'log',
          params: ({ context }) => ({
            level: 'warn' as const,
            msg: `reload: ${context.input.green.version} went down after the switch; back to ${context.input.blue.version}`,
          }),
        },
        {
          type: 'request',
          params: ({ context }) => ({
            id: 'route-back',
            subject: subjects.routerRoute,
            data: { plugin: context.input.plugin, generation: context.input.blue.generation },
          }),
        },
      ],
      on: { 'bus.response': { guard: 'routedBack', target: 'abandon', actions: 'reportRoute' } },
    },
    // Green goes away (if it was started); blue keeps (or is back to) serving.
    abandon: { always: [{ guard: 'greenStarted', target: 'stoppingGreen' }, { target: 'unpinning' }] },
    stoppingGreen: {
      entry: { type: 'toSupervisor', params: { op: 'terminate_child', generation: 'green' } },
      on: { 'supervisor.result': { guard: 'terminated', target: 'forgettingGreen' } },
    },
    forgettingGreen: {
      entry: { type: 'toSupervisor', params: { op: 'delete_child', generation: 'green' } },
      on: { 'supervisor.result': { guard: 'deleted', target: 'unpinning' } },
    },
    unpinning: {
      entry: {
        type: 'request',
        params: ({ context }) => ({
          id: 'unpin',
          subject: subjects.routerUnpin,
          data: { plugin: context.input.plugin },
        }),
      },
      on: { 'bus.response': { guard: 'unpinned', target: 'done' } },
    },
    done: { type: 'final' },
  },
});
