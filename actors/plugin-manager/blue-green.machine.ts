import { and, assertEvent, assign, fromPromise, sendParent, sendTo, setup, type AnyActorRef } from 'xstate';
import { bridgeInput, busBridge, type BusResponseEvent, type InboundEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import { pluginDownSchema, type PluginDown } from '../../contract/messages/commands.js';
import type { Generation, ReloadOutcome, ReloadStage } from '../../contract/messages/plugins.js';
import type { Logger } from '../../contract/log.js';
import { errorMessage, type ErrorCode } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import type { ChildResultEvent } from '../../supervisors/supervisor-state.js';
import { isStep, requests, type BusAsk, type Step } from './reload-requests.js';

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

/** One of the two generations a reload deals with. */
type Color = 'blue' | 'green';
const childId = (plugin: string, generation: number) => `${plugin}@${generation}`;

type Failure = Omit<Extract<ReloadOutcome, { ok: false }>, 'ok' | 'plugin' | 'serving'>;

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
  failure?: Failure;
}

type BlueGreenEvent =
  | BusResponseEvent
  | ChildResultEvent
  | InboundEvent<'green.down', PluginDown>
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

/** What the event that ended a step says went wrong. */
function errorOf(context: BlueGreenContext, event: BlueGreenEvent): { code: ErrorCode; message: string } {
  if (event.type === 'supervisor.result') return { code: 'PLUGIN_ERROR', message: event.error ?? 'failed' };
  if (event.type === 'green.down') return { code: 'INTERNAL', message: `exited: ${event.data.reason}` };
  if (event.type === 'bus.response' && isStep(event.requestId)) {
    const answer = requests[event.requestId].read(context, event.result);
    if (!answer.ok) return answer.error;
  }
  return { code: 'INTERNAL', message: 'unexpected answer' };
}

const blueGreen = setup({
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
    /** The answer to `step` came; with `ok`, only a checked success (true) or a failure (false). */
    replied: ({ context, event }, { step, ok }: { step: Step; ok?: boolean }) => {
      assertEvent(event, 'bus.response');
      return (
        event.requestId === step && (ok === undefined || requests[step].read(context, event.result).ok === ok)
      );
    },
    supervised: ({ event }, { op, ok }: { op: ChildResultEvent['op']; ok?: boolean }) => {
      assertEvent(event, 'supervisor.result');
      return event.op === op && (ok === undefined || event.ok === ok);
    },
    migrates: ({ context }) => context.input.migrate,
    handsOver: ({ context }) => context.input.handoff === true,
    triesLeft: ({ context }) => context.healthAttempt < context.input.timing.healthAttempts,
    restoreUnsupported: ({ event }) => {
      assertEvent(event, 'bus.response');
      return !event.result.ok && event.result.error.code === 'NOT_SUPPORTED';
    },
    greenStarted: ({ context }) => context.greenStarted,
  },
  actions: {
    request: sendTo('bus', ({ context }, { step }: { step: Step }) => {
      const { subject, data, timeoutMs }: BusAsk = requests[step].ask(context);
      return {
        type: 'bus.request',
        subject,
        data,
        timeoutMs: timeoutMs ?? context.input.timing.healthTimeoutMs,
        requestId: step,
      };
    }),
    toSupervisor: sendTo(
      ({ context }) => context.input.supervisor,
      (
        { context: { input }, self },
        { op, generation }: { op: ChildResultEvent['op']; generation: Color },
      ) => {
        const id = childId(input.plugin, input[generation].generation);
        return op === 'start_child'
          ? { type: 'supervisor.start_child', spec: input.green.spec, replyTo: self }
          : { type: `supervisor.${op}`, id, replyTo: self };
      },
    ),
    /** Keeps what the reload needs of a step's successful reply. */
    keep: assign(({ context, event }, { step }: { step: Step }) => {
      assertEvent(event, 'bus.response');
      const answer = requests[step].read(context, event.result);
      return answer.ok ? answer.data : {};
    }),
    fail: assign({
      failure: (
        { context, event },
        params: { stage: ReloadStage; rolledBack?: boolean; reason?: string },
      ) => {
        const { stage, rolledBack = false } = params;
        const error = errorOf(context, event);
        return {
          stage,
          code: rolledBack ? 'ROLLED_BACK' : error.code,
          reason: params.reason ?? error.message,
          rolledBack,
        };
      },
    }),
    // The manager tells a restarted router where the route is pinned while the reload runs.
    reportRoute: sendParent(({ context }, { to }: { to: Color }) => ({
      type: 'reload.routed' as const,
      plugin: context.input.plugin,
      generation: context.input[to].generation,
    })),
    // Blue stopped hearing channel events for its snapshot; it serves on, so it hears them again.
    resumeBlueEvents: sendTo('bus', ({ context }) => ({
      type: 'bus.publish',
      subject: subjects.pluginEvents(context.input.plugin, context.input.blue.generation),
      data: { op: 'resume' },
    })),
    log: ({ context }, params: { level: 'info' | 'warn'; msg: string }) =>
      context.input.logger[params.level](params.msg),
  },
});

type StateConfig = Parameters<typeof blueGreen.createStateConfig>[0];
/** A transition on any event: the branches below serve both bus and supervisor answers. */
type Transition = Exclude<NonNullable<NonNullable<StateConfig['on']>['*']>, string | readonly unknown[]>;
type Condition = 'migrates' | 'handsOver' | 'triesLeft' | 'restoreUnsupported';
/** The answer a transition waits for; with `ok`, only a success (true) or only a failure (false). */
type Answer =
  | { type: 'replied'; params: { step: Step; ok?: boolean } }
  | { type: 'supervised'; params: { op: ChildResultEvent['op']; ok?: boolean } };

/** Where an answer leads: a state, or a state under a condition and with actions. */
type Next = string | { target: string; guard?: Condition; actions?: Transition['actions'] };
/** A failure, when it ends the reload, is recorded with the stage it happened in. */
type Failed = Next | { target: string; guard?: Condition; stage: ReloadStage };
type OneOrMore<T> = T | T[];

/** Either the outcome decides where to go, or only that an answer came does. */
type Branches = { ok: OneOrMore<Next>; failed: OneOrMore<Failed> } | { answered: OneOrMore<Next> };

const list = <T>(items: T | readonly T[] | undefined): T[] =>
  items === undefined ? [] : new Array<T>().concat(items);

/** The transitions of the branches, each taken only `when` the answer is the one it waits for. */
function leads(
  branches: Branches,
  when: (ok?: boolean) => Answer,
  kept?: Transition['actions'],
): Transition[] {
  const lead =
    (ok: boolean | undefined, actions?: Transition['actions']) =>
    (next: Failed): Transition => {
      if (typeof next === 'string') return { target: next, guard: when(ok), actions };
      return {
        target: next.target,
        guard: next.guard ? and([when(ok), next.guard]) : when(ok),
        actions: [
          ...list(actions),
          ...list('stage' in next ? { type: 'fail' as const, params: { stage: next.stage } } : next.actions),
        ],
      };
    };
  if ('answered' in branches) return list(branches.answered).map(lead(undefined));
  return [...list(branches.ok).map(lead(true, kept)), ...list(branches.failed).map(lead(false))];
}

type AskOptions = Branches & Pick<StateConfig, 'entry' | 'on'>;

/**
 * A state that sends `step`'s request when entered and goes on by its answer; `entry` runs first,
 * `on` handles other events meanwhile.
 */
function ask(step: Step, options: AskOptions): StateConfig {
  return blueGreen.createStateConfig({
    entry: [...list(options.entry), { type: 'request', params: { step } }],
    on: {
      ...options.on,
      'bus.response': leads(options, (ok) => ({ type: 'replied', params: { step, ok } }), {
        type: 'keep',
        params: { step },
      }),
    },
  });
}

/** A state that asks the plugin's supervisor to `op` one generation, and goes on by its answer. */
function supervise(op: ChildResultEvent['op'], generation: Color, branches: Branches): StateConfig {
  return blueGreen.createStateConfig({
    entry: { type: 'toSupervisor', params: { op, generation } },
    on: {
      'supervisor.result': leads(branches, (ok) => ({ type: 'supervised', params: { op, ok } })),
    },
  });
}

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
export const blueGreenMachine = blueGreen.createMachine({
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
          actions: {
            type: 'fail',
            params: ({ event }) => ({
              stage: 'granting',
              reason: `cannot give it the new permissions: ${errorMessage(event.error)}`,
            }),
          },
        },
      },
    },
    // Pinning keeps green's announcement from taking the route before it has been checked.
    pinning: ask('pin', { answered: [{ target: 'migrating', guard: 'migrates' }, 'starting'] }),
    migrating: ask('migrate', { ok: 'starting', failed: { target: 'abandon', stage: 'migrating' } }),
    starting: supervise('start_child', 'green', {
      ok: { target: 'checking', actions: assign({ greenStarted: true }) },
      failed: { target: 'abandon', stage: 'starting' },
    }),
    checking: ask('health', {
      entry: assign({ healthAttempt: ({ context }) => context.healthAttempt + 1 }),
      ok: [{ target: 'handoff', guard: 'handsOver' }, 'switching'],
      failed: [
        { target: 'recheck', guard: 'triesLeft' },
        { target: 'abandon', stage: 'checking' },
      ],
      on: {
        'green.down': {
          target: 'abandon',
          actions: { type: 'fail', params: { stage: 'checking' } },
        },
      },
    }),
    recheck: { after: { healthInterval: 'checking' } },
    // New commands wait at the router while blue finishes its own and hands its state to green: no
    // command runs on state the other generation has already moved past.
    handoff: {
      initial: 'holding',
      on: {
        'green.down': {
          target: '.releasing',
          actions: { type: 'fail', params: { stage: 'handoff' } },
        },
      },
      states: {
        holding: ask('hold', {
          ok: 'drainingBlue',
          // Nothing held at the router; green has held events since it started, and handles them
          // before it goes.
          failed: { target: 'greenEvents', stage: 'handoff' },
        }),
        // Still busy: its snapshot could miss what it is doing, so blue keeps its state and serves on.
        drainingBlue: ask('drain-blue', {
          ok: 'snapshotting',
          failed: { target: 'releasing', stage: 'handoff' },
        }),
        snapshotting: ask('snapshot', {
          ok: 'restoring',
          failed: { target: 'releasing', stage: 'handoff' },
        }),
        restoring: ask('restore', {
          ok: { target: '#blue-green.switching', actions: assign({ handedOver: true, state: undefined }) },
          failed: [
            // The new version takes no state: it starts fresh, as without a hand-off.
            {
              target: '#blue-green.switching',
              guard: 'restoreUnsupported',
              actions: [
                assign({ state: undefined }),
                {
                  type: 'log',
                  params: {
                    level: 'warn',
                    msg: 'reload: the new version has no restore(); it starts without the old state',
                  },
                },
              ],
            },
            { target: 'releasing', stage: 'handoff' },
          ],
        }),
        // The reload stops here: blue, with its state, takes the held commands and hears the
        // events again; then green stops hearing them, handles what it held, and is stopped.
        // Blue listens before green stops (its answer says so): no event finds neither.
        releasing: ask('release', { answered: 'resumingBlue' }),
        resumingBlue: ask('resume-blue', {
          ok: 'greenEvents',
          // Blue did not say it listens: green goes on listening until its stop (whose grace may
          // cut its backlog short) rather than leave the events to nobody.
          failed: {
            target: '#blue-green.abandon',
            actions: {
              type: 'log',
              params: ({ context }) => ({
                level: 'warn',
                msg: `reload: generation ${context.input.blue.generation} did not confirm it hears events again; generation ${context.input.green.generation} keeps hearing them until it stops`,
              }),
            },
          },
        }),
        greenEvents: ask('green-events', { answered: '#blue-green.abandon' }),
      },
    },
    switching: ask('switch', {
      ok: {
        target: 'switched',
        actions: [
          { type: 'reportRoute', params: { to: 'green' } },
          {
            type: 'log',
            params: ({ context }) => ({
              level: 'info',
              msg: `reload: commands now go to ${context.input.green.version} (generation ${context.input.green.generation})`,
            }),
          },
        ],
      },
      failed: { target: 'abandon', stage: 'switching' },
    }),
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
              stage: 'grace',
              rolledBack: true,
              reason: `the new generation exited after the switch (${event.data.reason})`,
            }),
          },
        },
      },
      states: {
        draining: ask('drain', {
          ok: 'grace',
          failed: { target: 'grace', actions: assign({ drainTimedOut: true }) },
        }),
        grace: { after: { grace: '#blue-green.retiringBlue' } },
      },
    },
    retiringBlue: supervise('terminate_child', 'blue', { answered: 'forgettingBlue' }),
    forgettingBlue: supervise('delete_child', 'blue', { answered: 'unpinning' }),
    rollingBack: ask('route-back', {
      entry: [
        { type: 'resumeBlueEvents' },
        {
          type: 'log',
          params: ({ context }) => ({
            level: 'warn',
            msg: `reload: ${context.input.green.version} went down after the switch; back to ${context.input.blue.version}`,
          }),
        },
      ],
      answered: { target: 'abandon', actions: { type: 'reportRoute', params: { to: 'blue' } } },
    }),
    // Green goes away (if it was started); blue keeps (or is back to) serving.
    abandon: { always: [{ guard: 'greenStarted', target: 'stoppingGreen' }, { target: 'unpinning' }] },
    stoppingGreen: supervise('terminate_child', 'green', { answered: 'forgettingGreen' }),
    forgettingGreen: supervise('delete_child', 'green', { answered: 'unpinning' }),
    unpinning: ask('unpin', { answered: 'done' }),
    done: { type: 'final' },
  },
});
