import { assign, enqueueActions, sendParent, setup, type DoneActorEvent, type ErrorActorEvent } from 'xstate';
import { cytubeMachine, type CytubeInput } from '../cytube/cytube.machine.js';
import type { Logger } from '../../contract/log.js';
import {
  childInfo,
  childReady,
  type ChildInfoEvent,
  type ChildReadyEvent,
  type ShutdownEvent,
} from '../../supervisors/child-protocol.js';
import { exitFromError, exitText, type ExitReason } from '../../supervisors/exit-reason.js';
import { pgLeaseActor, type PgLeaseEvent, type PgLeaseTiming } from './pg-lease.actor.js';

export interface LeasedConnectorInput {
  /** The connector this node runs only while it holds the lease. */
  connector: CytubeInput;
  lease: { url: string; name: string; holder: string; timing: PgLeaseTiming };
  logger: Logger;
}

type LeasedConnectorEvent =
  | PgLeaseEvent
  | ChildReadyEvent
  | ChildInfoEvent
  | ShutdownEvent
  | DoneActorEvent<{ exit: ExitReason }, 'connector'>
  | ErrorActorEvent<unknown, 'connector'>;

/**
 * One channel's connector on exactly one node of a cluster (docs/guides/SCALING.md): a standby
 * until this node wins the channel's lease, then the connector itself (the same cytube machine a
 * single Rosey runs); losing the lease stops the connector at once (its socket closed, so the bot
 * leaves the channel) and waits for the lease again. A connector that fails ends this actor with
 * its reason, so the supervisor restarts both, and the lease is released meanwhile: another node
 * may take the channel. Stopping ends the lease's session, which frees the lock at once.
 */
export const leasedConnectorMachine = setup({
  types: {
    input: {} as LeasedConnectorInput,
    context: {} as { input: LeasedConnectorInput; exit?: ExitReason },
    events: {} as LeasedConnectorEvent,
    output: {} as { exit: ExitReason },
  },
  actors: { lease: pgLeaseActor, connector: cytubeMachine },
}).createMachine({
  id: 'leased-connector',
  context: ({ input }) => ({ input }),
  invoke: {
    id: 'lease',
    src: 'lease',
    input: ({ context }) => ({ ...context.input.lease, logger: context.input.logger }),
  },
  entry: sendParent(({ self }) => childReady(self, { lease: 'standby', state: 'standby' })),
  initial: 'standby',
  output: ({ context }) => ({ exit: context.exit ?? 'shutdown' }),
  states: {
    standby: {
      entry: sendParent(({ self }) => childInfo(self, { lease: 'standby', state: 'standby' })),
      on: {
        'lease.won': 'leading',
        'rosey.shutdown': 'stopped',
      },
    },
    leading: {
      entry: [
        ({ context }) => context.input.logger.info(`this node leads ${context.input.lease.name}: connecting`),
        sendParent(({ self }) => childInfo(self, { lease: 'held' })),
      ],
      invoke: { id: 'connector', src: 'connector', input: ({ context }) => context.input.connector },
      on: {
        // What the connector tells about itself reaches `rosey status` as this actor's.
        'rosey.child.info': {
          actions: sendParent(({ self, event }) => childInfo(self, { ...event.info, lease: 'held' })),
        },
        'rosey.child.ready': {},
        'lease.lost': {
          // Leaving the state stops the connector outright: the bot must be out of the channel
          // before PostgreSQL lets another node take it.
          target: 'standby',
          actions: ({ context, event }) =>
            context.input.logger.warn(
              `lost the lease ${context.input.lease.name} (${event.reason}): connector stopped`,
            ),
        },
        'xstate.done.actor.connector': {
          target: 'stopped',
          actions: assign({ exit: ({ event }) => exitOfDone(event.output) }),
        },
        'xstate.error.actor.connector': {
          target: 'stopped',
          actions: assign({ exit: ({ event }) => exitFromError(event.error) }),
        },
      },
      initial: 'running',
      states: {
        running: { on: { 'rosey.shutdown': 'leaving' } },
        // The connector leaves the channel in order (its own shutdown), then the lease goes.
        leaving: {
          entry: enqueueActions(({ enqueue }) => enqueue.sendTo('connector', { type: 'rosey.shutdown' })),
          on: {
            'lease.lost': {},
            'xstate.done.actor.connector': '#leased-connector.stopped',
            'xstate.error.actor.connector': '#leased-connector.stopped',
          },
        },
      },
    },
    stopped: { type: 'final' },
  },
});

/** A connector that ended on its own: its reason, or a failure if it gave none. */
function exitOfDone(output: { exit: ExitReason } | undefined): ExitReason {
  const exit = output?.exit;
  if (exit === undefined) return { error: 'the connector ended without a reason' };
  return exit === 'shutdown' || exit === 'normal'
    ? { error: `the connector ended (${exitText(exit)})` }
    : exit;
}
