import { assertEvent, assign, sendParent, sendTo, setup } from 'xstate';
import { bridgeInput, busBridge, type BusResponseEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { Logger } from '../../contract/log.js';
import { migrateReplies, type RunReport } from '../../contract/messages/migrations.js';
import { checkReply } from '../../contract/request.js';
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

/**
 * Runs before a plugin's process starts: asks the migrator to apply the plugin's pending migrations
 * and is ready once they are in. If they fail, the plugin's start fails with the migrator's reason,
 * so the plugin stays down and `rosey status` says why.
 */
export const pluginMigrationsMachine = setup({
  types: {
    input: {} as PluginMigrationsInput,
    context: {} as { input: PluginMigrationsInput; report?: RunReport; failure?: string },
    events: {} as BusResponseEvent | { type: 'bus.bound' } | { type: 'rosey.shutdown' },
    output: {} as { exit: ExitReason },
  },
  actors: { bus: busBridge },
  actions: {
    settle: assign(({ context, event }) => {
      assertEvent(event, 'bus.response');
      const subject = subjects.migrate(context.input.plugin, 'apply');
      const applied = checkReply(subject, migrateReplies.apply, event.result);
      return applied.ok ? { report: applied.data } : { failure: applied.error.message };
    }),
    logApplied: ({ context }) => {
      const { steps, currentVersion, warnings } = context.report!;
      if (steps.length === 0) return;
      context.input.logger.info(
        `applied ${steps.map((s) => s.name).join(', ')}; schema at version ${currentVersion}`,
      );
      // Nobody is at a prompt at startup: the log is where destructive statements show.
      for (const warning of warnings) context.input.logger.warn(warning);
    },
  },
  guards: { applied: ({ context }) => context.report !== undefined },
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
      on: { 'bus.response': { target: 'answered', actions: 'settle' } },
    },
    answered: {
      always: [
        {
          guard: 'applied',
          target: 'applied',
          actions: [
            'logApplied',
            sendParent(({ context, self }) =>
              childReady(self, { schemaVersion: context.report!.currentVersion }),
            ),
          ],
        },
        { target: 'done' },
      ],
    },
    applied: {},
    done: { type: 'final' },
  },
});
