import { healthReplySchema } from '../../contract/messages/plugins.js';
import { checkReply } from '../../contract/request.js';
import { assertEvent, assign, sendParent, sendTo, setup } from 'xstate';
import { bridgeInput, busBridge, type BusResponseEvent, type InboundEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { NatsEndpoint } from '../bus/connect.js';
import { pluginAnnouncementSchema, type PluginAnnouncement } from '../../contract/messages/commands.js';
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
}

export interface PluginHostInput {
  plugin: HostedPlugin;
  generation: number;
  /** How the plugin process connects: its own user on the embedded server. */
  nats: NatsEndpoint;
  inboxPrefix?: string;
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
}

interface HostContext {
  input: Required<Omit<PluginHostInput, 'inboxPrefix'>> & Pick<PluginHostInput, 'inboxPrefix'>;
  pid?: number;
  missed: number;
  stopRequested: boolean;
  exit?: ExitReason;
}

type HostEvent =
  | PluginProcessEvent
  | InboundEvent<'plugin.ready', PluginAnnouncement>
  | BusResponseEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

/**
 * Hosts one generation of one plugin: its OS process, its readiness (the plugin's own
 * announcement), periodic health checks, and its exit. The exit is the plugin's: a clean exit 0 is
 * `normal`, anything else a crash with the process's last error line; its supervisor decides
 * about restarts. On `rosey.shutdown` the process gets SIGTERM, in-flight commands finish, then it
 * exits (SIGKILL after the grace period).
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
      return event.data.pid === context.pid;
    },
    healthy: ({ context, event }) => {
      assertEvent(event, 'bus.response');
      if (event.requestId !== 'health') return false;
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
          },
          memoryMb: context.input.plugin.memoryMb,
          logger: context.input.logger,
        }),
      },
      on: {
        'proc.spawned': { actions: assign({ pid: ({ event }) => event.pid }) },
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
                ({ context, event }) =>
                  context.input.logger.info(`${context.input.plugin.name} ${event.data.version} ready`, {
                    pid: context.pid,
                    generation: context.input.generation,
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
          on: { 'rosey.shutdown': 'stopping' },
          after: { healthInterval: 'checking' },
        },
        checking: {
          entry: sendTo('bus', ({ context }) => ({
            type: 'bus.request' as const,
            subject: subjects.pluginHealth(context.input.plugin.name, context.input.generation),
            data: {},
            timeoutMs: context.input.healthTimeoutMs,
            requestId: 'health',
          })),
          on: {
            'bus.response': [
              { guard: 'healthy', target: 'running', actions: assign({ missed: 0 }) },
              {
                guard: 'hung',
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
              { target: 'running', actions: assign({ missed: ({ context }) => context.missed + 1 }) },
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
