import { healthReplySchema } from '../../contract/messages/plugins.js';
import { checkReply } from '../../contract/request.js';
import { and, assertEvent, assign, sendParent, sendTo, setup } from 'xstate';
import { bridgeInput, busBridge, type BusResponseEvent, type InboundEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { NatsEndpoint } from '../bus/connect.js';
import { pluginAnnouncementSchema, type PluginAnnouncement } from '../../contract/messages/commands.js';
import { commandTimeoutSchema, type CommandTimeout } from '../../contract/messages/router.js';
import type { Logger } from '../../contract/log.js';
import { subjects } from '../../contract/subjects.js';
import { childReady } from '../../supervisors/child-protocol.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import { pluginProcess, type PluginProcessEvent } from './plugin-process.actor.js';

export interface HostedPlugin {
  name: string;
  version: string;
  /** Absolute path of the plugin's entry module. */
  entry: string;
  memoryMb: number;
  config: Record<string, unknown>;
  /** Bound of its channel-event queue; the SDK's default when absent. */
  eventQueue?: number;
  /** Time one event's handler runs before it is reported; the SDK's default when absent. */
  eventTimeoutMs?: number;
  /** A reload will hand this generation the old one's state: it handles no event before `restore`. */
  awaitRestore?: boolean;
}

export interface PluginHostInput {
  plugin: HostedPlugin;
  generation: number;
  /** How the plugin process connects: its own user on the embedded server. */
  nats: NatsEndpoint;
  inboxPrefix?: string;
  /** Where the process sends its spans; absent: tracing off in the process (docs/tracing.md). */
  otlpTracesUrl?: string;
  /** The share of new traces the process records (docs/tracing.md#sampling); absent: all. */
  traceSampleRatio?: number;
  link: BusLink;
  logger: Logger;
  /** How long a new process may take to announce its commands. */
  readyTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace on stop. */
  stopGraceMs?: number;
  healthIntervalMs?: number;
  healthTimeoutMs?: number;
  /** Consecutive failed health checks before the process counts as hung and is replaced. */
  maxMissedHealth?: number;
  /**
   * Deadline of the probe that follows a command timeout: unanswered (or unhealthy), the process
   * counts as hung and is replaced at once.
   */
  probeTimeoutMs?: number;
}

interface HostContext {
  input: Required<Omit<PluginHostInput, 'inboxPrefix' | 'otlpTracesUrl' | 'traceSampleRatio'>> &
    Pick<PluginHostInput, 'inboxPrefix' | 'otlpTracesUrl' | 'traceSampleRatio'>;
  pid?: number;
  missed: number;
  stopRequested: boolean;
  exit?: ExitReason;
}

type HostEvent =
  | PluginProcessEvent
  | InboundEvent<'plugin.ready', PluginAnnouncement>
  | InboundEvent<'command.timeout', CommandTimeout>
  | BusResponseEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

/**
 * Hosts one generation of one plugin: its OS process, its readiness (the plugin's own
 * announcement), periodic health checks, and its exit. The exit is the plugin's: a clean exit 0 is
 * `normal`, anything else a crash with the process's last error line; its supervisor decides
 * about restarts. On `rosey.shutdown` the process gets SIGTERM, in-flight commands finish, then it
 * exits (SIGKILL after the grace period).
 *
 * The host vouches for its generation: it relays its own process's announcements to the router
 * (`rosey.host.<plugin>.<gen>.ready`), so a generation nobody started is never routed to. A command
 * that timed out on this generation (the router says so) makes it probe the process at once; a
 * process that does not answer the probe in time is hung and is killed (SIGKILL: a stopped process
 * cannot act on SIGTERM), and its supervisor starts a new one.
 */
export const pluginHostMachine = setup({
  types: {
    input: {} as PluginHostInput,
    context: {} as HostContext,
    events: {} as HostEvent,
    output: {} as { exit: ExitReason },
  },
  actors: { bus: busBridge, process: pluginProcess },
  delays: {
    readyTimeout: ({ context }) => context.input.readyTimeoutMs,
    healthInterval: ({ context }) => context.input.healthIntervalMs,
  },
  guards: {
    ownAnnouncement: ({ context, event }) => {
      assertEvent(event, 'plugin.ready');
      const { plugin, generation, pid } = event.data;
      return (
        pid === context.pid && plugin === context.input.plugin.name && generation === context.input.generation
      );
    },
    healthCheckReply: ({ event }) => event.type === 'bus.response' && event.requestId === 'health',
    probeReply: ({ event }) => event.type === 'bus.response' && event.requestId === 'probe',
    healthy: ({ context, event }) => {
      assertEvent(event, 'bus.response');
      const { name } = context.input.plugin;
      return checkReply(
        subjects.pluginHealth(name, context.input.generation),
        healthReplySchema,
        event.result,
      ).ok;
    },
    hung: ({ context }) => context.missed + 1 >= context.input.maxMissedHealth,
  },
  actions: {
    vouch: sendTo('bus', ({ context, event }) => {
      assertEvent(event, 'plugin.ready');
      return {
        type: 'bus.publish' as const,
        subject: subjects.hostedReady(context.input.plugin.name, context.input.generation),
        data: event.data,
        from: event.meta,
      };
    }),
    ignoreAnnouncement: ({ context, event }) => {
      assertEvent(event, 'plugin.ready');
      context.input.logger.warn(
        `ignored an announcement for ${context.input.plugin.name} generation ${context.input.generation} that did not come from its process`,
        { pid: event.data.pid, expected: context.pid },
      );
    },
    sendHealthRequest: sendTo('bus', ({ context }, params: { requestId: 'health' | 'probe' }) => ({
      type: 'bus.request' as const,
      subject: subjects.pluginHealth(context.input.plugin.name, context.input.generation),
      data: {},
      timeoutMs: params.requestId === 'probe' ? context.input.probeTimeoutMs : context.input.healthTimeoutMs,
      requestId: params.requestId,
    })),
    publishDown: sendTo('bus', ({ context }) => ({
      type: 'bus.publish' as const,
      subject: subjects.pluginDown(context.input.plugin.name, context.input.generation),
      data: {
        plugin: context.input.plugin.name,
        generation: context.input.generation,
        reason:
          context.exit && typeof context.exit === 'object' && 'error' in context.exit
            ? context.exit.error
            : 'stopped',
      },
    })),
  },
}).createMachine({
  id: 'plugin-host',
  context: ({ input }) => ({
    input: {
      readyTimeoutMs: 10_000,
      stopGraceMs: 4000,
      healthIntervalMs: 15_000,
      healthTimeoutMs: 3000,
      maxMissedHealth: 3,
      probeTimeoutMs: 2000,
      ...input,
    },
    missed: 0,
    stopRequested: false,
  }),
  invoke: {
    id: 'bus',
    src: 'bus',
    input: ({ context }) =>
      bridgeInput(context.input, {
        subscriptions: [
          {
            subject: subjects.pluginReady(context.input.plugin.name, context.input.generation),
            event: 'plugin.ready',
            schema: pluginAnnouncementSchema,
          },
          {
            subject: subjects.commandTimeout(context.input.plugin.name, context.input.generation),
            event: 'command.timeout',
            schema: commandTimeoutSchema,
          },
        ],
      }),
  },
  initial: 'binding',
  output: ({ context }) => ({ exit: context.exit ?? 'shutdown' }),
  states: {
    // Subscribe to the plugin's announcement before the process exists, so it cannot be missed.
    binding: {
      on: {
        'bus.bound': 'alive',
        'rosey.shutdown': { target: 'exited', actions: assign({ exit: 'shutdown' }) },
      },
    },
    alive: {
      invoke: {
        id: 'process',
        src: 'process',
        input: ({ context }) => ({
          env: {
            name: context.input.plugin.name,
            version: context.input.plugin.version,
            generation: context.input.generation,
            entry: context.input.plugin.entry,
            natsUrl: context.input.nats.url,
            natsToken: context.input.nats.token,
            natsUser: context.input.nats.user,
            natsPass: context.input.nats.pass,
            inboxPrefix: context.input.inboxPrefix,
            config: context.input.plugin.config,
            otlpTracesUrl: context.input.otlpTracesUrl,
            traceSampleRatio: context.input.traceSampleRatio,
            eventQueue: context.input.plugin.eventQueue,
            eventTimeoutMs: context.input.plugin.eventTimeoutMs,
            awaitRestore: context.input.plugin.awaitRestore,
          },
          memoryMb: context.input.plugin.memoryMb,
          logger: context.input.logger,
        }),
      },
      on: {
        'proc.spawned': { actions: assign({ pid: ({ event }) => event.pid }) },
        // Re-announcements (the router restarted and asked) go to the router the same way.
        'plugin.ready': [{ guard: 'ownAnnouncement', actions: 'vouch' }, { actions: 'ignoreAnnouncement' }],
        'proc.exit': {
          target: 'exited',
          actions: [
            assign({
              exit: ({ context, event }): ExitReason => {
                if (context.stopRequested) return 'shutdown';
                if (event.code === 0) return 'normal';
                return {
                  error: event.lastError ? `${event.description}: ${event.lastError}` : event.description,
                };
              },
            }),
            'publishDown',
          ],
        },
      },
      initial: 'starting',
      states: {
        starting: {
          on: {
            'plugin.ready': {
              guard: 'ownAnnouncement',
              target: 'running',
              actions: [
                'vouch',
                ({ context, event }) =>
                  // The logger is bound to the plugin's name and generation already.
                  context.input.logger.info(`${context.input.plugin.name} ${event.data.version} ready`, {
                    pid: context.pid,
                  }),
                sendParent(({ context, self, event }) =>
                  childReady(self, {
                    pid: context.pid ?? -1,
                    generation: context.input.generation,
                    version: event.data.version,
                    commands: event.data.commands.length,
                    // Whether a reload can take this generation's state (plugin-sdk.md, snapshot).
                    ...(event.data.handoff?.snapshot === true ? { snapshot: true } : {}),
                  }),
                ),
              ],
            },
            'rosey.shutdown': 'stopping',
          },
          after: {
            readyTimeout: {
              target: '#plugin-host.exited',
              actions: [
                assign({
                  exit: ({ context }) => ({
                    error: `did not announce its commands within ${context.input.readyTimeoutMs} ms`,
                  }),
                }),
                'publishDown',
              ],
            },
          },
        },
        running: {
          on: { 'rosey.shutdown': 'stopping', 'command.timeout': 'probing' },
          after: { healthInterval: 'checking' },
        },
        checking: {
          entry: { type: 'sendHealthRequest', params: { requestId: 'health' } },
          on: {
            // The probe supersedes the periodic check (its late answer is ignored there).
            'command.timeout': 'probing',
            'bus.response': [
              {
                guard: and(['healthCheckReply', 'healthy']),
                target: 'running',
                actions: assign({ missed: 0 }),
              },
              {
                guard: and(['healthCheckReply', 'hung']),
                target: '#plugin-host.exited',
                actions: [
                  assign({
                    exit: ({ context }) => ({
                      error: `stopped answering health checks (${context.input.maxMissedHealth} missed)`,
                    }),
                  }),
                  'publishDown',
                ],
              },
              {
                guard: 'healthCheckReply',
                target: 'running',
                actions: assign({ missed: ({ context }) => context.missed + 1 }),
              },
            ],
            'rosey.shutdown': 'stopping',
          },
        },
        // A command timed out: answered, the plugin is slow, not hung, and keeps running; not
        // answered within the probe's deadline, it is replaced now rather than after the periodic
        // checks have missed enough times. Further timeouts meanwhile add nothing.
        probing: {
          entry: [
            ({ context, event }) => {
              assertEvent(event, 'command.timeout');
              context.input.logger.warn(
                `${context.input.plugin.name}: !${event.data.command} timed out after ${event.data.timeoutMs} ms; probing the process (deadline ${context.input.probeTimeoutMs} ms)`,
                { pid: context.pid, generation: context.input.generation },
              );
            },
            { type: 'sendHealthRequest', params: { requestId: 'probe' } },
          ],
          on: {
            'bus.response': [
              {
                guard: and(['probeReply', 'healthy']),
                target: 'running',
                actions: [
                  assign({ missed: 0 }),
                  ({ context }) =>
                    context.input.logger.info(
                      `${context.input.plugin.name} answered the probe: slow, not hung; it keeps running`,
                      { pid: context.pid, generation: context.input.generation },
                    ),
                ],
              },
              {
                guard: 'probeReply',
                target: '#plugin-host.exited',
                actions: [
                  assign({
                    exit: ({ context }) => ({
                      error: `hung: a command timed out and it did not answer a health probe within ${context.input.probeTimeoutMs} ms (killed)`,
                    }),
                  }),
                  ({ context }) =>
                    context.input.logger.warn(
                      `${context.input.plugin.name} did not answer the probe: hung; killing it (SIGKILL) to start a new one`,
                      { pid: context.pid, generation: context.input.generation },
                    ),
                  'publishDown',
                ],
              },
            ],
            'rosey.shutdown': 'stopping',
          },
        },
        stopping: {
          entry: [
            assign({ stopRequested: true }),
            sendTo('process', ({ context }) => ({
              type: 'proc.terminate' as const,
              graceMs: context.input.stopGraceMs,
            })),
          ],
        },
      },
    },
    exited: { type: 'final' },
  },
});
