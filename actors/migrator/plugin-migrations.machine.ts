import { assign, sendParent, sendTo, setup } from 'xstate';
import { bridgeInput, busBridge, type BusResponseEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { Logger } from '../../contract/log.js';
import { subjects } from '../../contract/subjects.js';
import { childReady } from '../../supervisors/child-protocol.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';

export interface PluginMigrationsInput {
  plugin: string;
  link: BusLink;
  logger: Logger;
  /** How long the migrations may take. */
  timeoutMs?: number;
}

interface Applied {
  currentVersion?: number;
  steps?: Array<{ name: string }>;
  warnings?: string[];
}

/**
 * Runs before a plugin's process starts: asks the migrator to apply the plugin's pending migrations
 * and is ready once they are in. If they fail, the plugin's start fails with the migrator's reason,
 * so the plugin stays down and `rosey status` says why.
 */
export const pluginMigrationsMachine = setup({
  types: {
    input: {} as PluginMigrationsInput,
    context: {} as { input: PluginMigrationsInput; failure?: string },
    events: {} as BusResponseEvent | { type: 'bus.bound' } | { type: 'rosey.shutdown' },
    output: {} as { exit: ExitReason },
  },
  actors: { bus: busBridge },
  guards: { applied: ({ event }) => event.type === 'bus.response' && event.result.ok },
}).createMachine({
  id: 'plugin-migrations',
  context: ({ input }) => ({ input }),
  invoke: { id: 'bus', src: 'bus', input: ({ context }) => bridgeInput(context.input, {}) },
  initial: 'applying',
  output: ({ context }) => ({
    exit: context.failure === undefined ? 'shutdown' : { error: context.failure },
  }),
  on: { 'rosey.shutdown': '.done' },
  states: {
    applying: {
      entry: sendTo('bus', ({ context }) => ({
        type: 'bus.request' as const,
        subject: subjects.migrate(context.input.plugin, 'apply'),
        data: { actor: 'rosey' },
        timeoutMs: context.input.timeoutMs ?? 5 * 60_000,
        requestId: 'apply',
      })),
      on: {
        'bus.response': [
          {
            guard: 'applied',
            target: 'applied',
            actions: [
              ({ context, event }) => {
                const data = (event.result.ok ? event.result.data : {}) as Applied;
                if ((data.steps?.length ?? 0) > 0) {
                  context.input.logger.info(
                    `applied ${data.steps!.map((s) => s.name).join(', ')}; schema at version ${data.currentVersion}`,
                  );
                  // Nobody is at a prompt at startup: the log is where destructive statements show.
                  for (const warning of data.warnings ?? []) context.input.logger.warn(warning);
                }
              },
              sendParent(({ self, event }) =>
                childReady(self, {
                  schemaVersion: ((event.result.ok ? event.result.data : {}) as Applied).currentVersion ?? 0,
                }),
              ),
            ],
          },
          {
            target: 'done',
            actions: assign({
              failure: ({ event }) => (event.result.ok ? 'unknown' : event.result.error.message),
            }),
          },
        ],
      },
    },
    applied: {},
    done: { type: 'final' },
  },
});
