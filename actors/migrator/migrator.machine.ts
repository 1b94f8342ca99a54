import { assign, enqueueActions, sendParent, setup } from 'xstate';
import { z } from 'zod';
import { bridgeInput, busBridge, type RequestEvent } from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { DatabaseTarget } from '../database/target.js';
import type { Logger } from '../../contract/log.js';
import type { MigrateRequest } from './migration-service.js';
import type { MigrateOp } from '../../contract/messages/migrations.js';
import { err } from '../../contract/result.js';
import { PLUGIN_NAME, subjects } from '../../contract/subjects.js';
import { childReady, type ChildInfo } from '../../supervisors/child-protocol.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import { databaseWorker, type DatabaseWorkerEvent } from '../database/database-worker.actor.js';
import type { MigrationHandlerOptions } from './migration-handler.js';

export interface MigratorInput {
  link: BusLink;
  logger: Logger;
  target: DatabaseTarget;
  /** Plugin name → its migrations folder (plugins without migrations map to an empty or missing folder). */
  migrationDirs: ReadonlyMap<string, string>;
  /** Folders of plugin folders searched for a plugin not in `migrationDirs` (installed while running). */
  pluginRoots?: string[];
  lockTimeoutMs?: number;
}

interface MigratorContext {
  input: MigratorInput;
  inFlight: number;
  /** replyId → plugin, to announce schema changes after a successful apply or rollback. */
  changing: Record<string, string>;
  failure?: string;
  /** Where the database thread is connected, once it is: shown by `rosey status`. */
  database?: ChildInfo;
}

type MigratorEvent =
  | RequestEvent<'migrate.request', unknown>
  | DatabaseWorkerEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

const OPS: readonly MigrateOp[] = ['apply', 'rollback', 'status'];

const worker = databaseWorker<MigrateRequest>();

/**
 * The migrator: `rosey.db.migrate.<plugin>.apply|rollback|status` over each plugin's SQL migration
 * files. After a successful apply or rollback it publishes `rosey.db.schema.<plugin>.changed`, so
 * the storage service re-reads that plugin's tables.
 */
export const migratorMachine = setup({
  types: {
    input: {} as MigratorInput,
    context: {} as MigratorContext,
    events: {} as MigratorEvent,
    output: {} as { exit: ExitReason },
  },
  actors: { bus: busBridge, database: worker },
  actions: {
    execute: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'migrate.request') return;
      const [, , , plugin, op, ...rest] = event.meta.subject.split('.');
      const reply = (message: string) =>
        enqueue.sendTo('bus', {
          type: 'bus.reply',
          replyId: event.replyId,
          result: err('VALIDATION_ERROR', message),
        });
      if (!plugin || !PLUGIN_NAME.test(plugin) || rest.length > 0)
        return reply(`not a migration subject: ${event.meta.subject}`);
      if (!OPS.includes(op as MigrateOp))
        return reply(`unknown migration operation ${op} (use ${OPS.join(', ')})`);
      enqueue.assign({
        inFlight: context.inFlight + 1,
        changing: op === 'status' ? context.changing : { ...context.changing, [event.replyId]: plugin },
      });
      enqueue.sendTo('database', {
        type: 'db.exec',
        replyId: event.replyId,
        request: { op: op as MigrateOp, plugin, payload: event.data },
      });
    }),
    answer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'db.result') return;
      const { [event.replyId]: plugin, ...changing } = context.changing;
      enqueue.assign({ inFlight: context.inFlight - 1, changing });
      const steps = event.result.ok
        ? (event.result.data as { steps?: unknown[]; dryRun?: boolean })
        : undefined;
      if (plugin && steps && !steps.dryRun && (steps.steps?.length ?? 0) > 0) {
        context.input.logger.info(`migrations of ${plugin} changed its schema`, {
          steps: steps.steps?.length,
        });
        enqueue.sendTo('bus', {
          type: 'bus.publish',
          subject: subjects.schemaChanged(plugin),
          data: { plugin },
        });
      }
      // After the publish: a caller that sends a storage request as soon as it has this reply must
      // find storage's schema cache already dropped (both leave on one connection, in this order).
      enqueue.sendTo('bus', { type: 'bus.reply', replyId: event.replyId, result: event.result });
    }),
  },
  guards: { idle: ({ context }) => context.inFlight === 0 },
}).createMachine({
  id: 'migrator',
  context: ({ input }) => ({ input, inFlight: 0, changing: {} }),
  invoke: {
    id: 'database',
    src: 'database',
    input: ({ context }) => ({
      target: context.input.target,
      logger: context.input.logger,
      handler: {
        module: new URL('./migration-handler.js', import.meta.url).href,
        exportName: 'migrationHandler',
        options: {
          migrationDirs: context.input.migrationDirs,
          lockTimeoutMs: context.input.lockTimeoutMs,
          pluginRoots: context.input.pluginRoots,
        } satisfies MigrationHandlerOptions,
      },
    }),
  },
  initial: 'opening',
  output: ({ context }) => ({
    exit: context.failure === undefined ? 'shutdown' : { error: context.failure },
  }),
  on: { 'db.result': { actions: 'answer' } },
  states: {
    opening: {
      on: {
        'db.opened': {
          target: 'open',
          actions: assign({
            database: ({ event }) => ({ database: event.description, thread: event.threadId }),
          }),
        },
        'db.failed': { target: 'failed', actions: assign({ failure: ({ event }) => event.error }) },
        'rosey.shutdown': 'stopped',
      },
    },
    open: {
      invoke: {
        id: 'bus',
        src: 'bus',
        input: ({ context }) =>
          bridgeInput(context.input, {
            services: [{ subject: 'rosey.db.migrate.*.*', event: 'migrate.request', schema: z.unknown() }],
            // A migration may legitimately take long; the caller's own timeout decides.
            serveTimeoutMs: 10 * 60_000,
          }),
      },
      initial: 'binding',
      states: {
        binding: {
          on: {
            'bus.bound': {
              target: 'serving',
              actions: sendParent(({ context, self }) => childReady(self, context.database)),
            },
            // A request can arrive before the subscriptions are confirmed; the database is open.
            'migrate.request': { actions: 'execute' },
          },
        },
        serving: { on: { 'migrate.request': { actions: 'execute' }, 'rosey.shutdown': 'draining' } },
        draining: {
          on: {
            'migrate.request': {
              actions: enqueueActions(({ event, enqueue }) => {
                if (event.type === 'migrate.request') {
                  enqueue.sendTo('bus', {
                    type: 'bus.reply',
                    replyId: event.replyId,
                    result: err('SHUTTING_DOWN', 'the migrator is stopping'),
                  });
                }
              }),
            },
          },
          always: { guard: 'idle', target: '#migrator.stopped' },
        },
      },
      on: {
        'rosey.shutdown': '.draining',
        // The database thread died: the supervisor restarts this actor (and a fresh thread).
        'db.failed': { target: '#migrator.failed', actions: assign({ failure: ({ event }) => event.error }) },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});
