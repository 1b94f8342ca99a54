import { assign, sendParent, sendTo, setup } from 'xstate';
import type { BusLink } from './bus-link.js';
import { redactUrl, type NatsEndpoint } from './connect.js';
import { quietLogger, type Logger } from '../../contract/log.js';
import { childInfo, childReady } from '../../supervisors/child-protocol.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import { connectionLogic, type ConnectionEvent } from './connection.actor.js';

export interface BusInput {
  endpoint: NatsEndpoint;
  link: BusLink;
  /** Client name shown by the server (`nats-server` connz). */
  name?: string;
  /** How long to keep trying the first connection. */
  connectDeadlineMs?: number;
  logger?: Logger;
}

interface BusContext {
  input: Required<BusInput>;
  server?: string;
  disconnects: number;
  failure?: string;
}

type BusEvent = ConnectionEvent | { type: 'rosey.shutdown' };

/**
 * The `bus` actor: the process's one NATS connection. Other actors reach it through the BusLink;
 * their bridges follow it across reconnects and bus restarts. A connection that closes for good is
 * a crash (the supervisor restarts the bus); `rosey.shutdown` drains it first, or closes it at
 * once while it is reconnecting (a server that is gone cannot take a drain).
 */
export const busMachine = setup({
  types: {
    input: {} as BusInput,
    context: {} as BusContext,
    events: {} as BusEvent,
    output: {} as { exit: ExitReason },
  },
  actors: { connection: connectionLogic },
}).createMachine({
  id: 'bus',
  context: ({ input }) => ({
    input: { name: 'rosey', connectDeadlineMs: 5000, logger: quietLogger, ...input },
    disconnects: 0,
  }),
  invoke: {
    id: 'connection',
    src: 'connection',
    input: ({ context }) => ({
      endpoint: context.input.endpoint,
      link: context.input.link,
      name: context.input.name,
      connectDeadlineMs: context.input.connectDeadlineMs,
      logger: context.input.logger,
    }),
  },
  initial: 'connecting',
  output: ({ context }) => ({
    exit: context.failure === undefined ? 'shutdown' : { error: context.failure },
  }),
  states: {
    connecting: {
      on: {
        'conn.connected': {
          target: 'connected',
          actions: [
            assign({ server: ({ event }) => event.server }),
            ({ context, event }) => context.input.logger.info(`connected to ${event.server}`),
            sendParent(({ self, event }) => childReady(self, { server: event.server })),
          ],
        },
        'conn.failed': { target: 'failed', actions: assign({ failure: ({ event }) => event.error }) },
        'rosey.shutdown': 'stopped',
      },
    },
    connected: {
      initial: 'up',
      states: {
        up: {
          on: {
            'conn.disconnected': {
              target: 'reconnecting',
              actions: [
                assign({ disconnects: ({ context }) => context.disconnects + 1 }),
                ({ context }) =>
                  context.input.logger.warn(
                    `lost NATS connection to ${redactUrl(context.input.endpoint.url)}; reconnecting`,
                  ),
                sendParent(({ self, context }) =>
                  childInfo(self, { state: 'reconnecting', disconnects: context.disconnects }),
                ),
              ],
            },
          },
        },
        reconnecting: {
          on: {
            // Nothing to drain towards a server that is gone: what is buffered could only be sent
            // to the next one, and the bus is being replaced anyway.
            'rosey.shutdown': '#bus.closing',
            'conn.reconnected': {
              target: 'up',
              actions: [
                ({ context, event }) => context.input.logger.info(`reconnected to ${event.server}`),
                sendParent(({ self }) => childInfo(self, { state: 'up' })),
              ],
            },
          },
        },
      },
      on: {
        'conn.closed': {
          target: 'failed',
          actions: assign({
            failure: ({ event }) => `NATS connection closed${event.error ? `: ${event.error}` : ''}`,
          }),
        },
        'rosey.shutdown': 'draining',
      },
    },
    draining: {
      entry: sendTo('connection', { type: 'conn.drain' }),
      on: { 'conn.closed': 'stopped' },
    },
    closing: {
      entry: sendTo('connection', { type: 'conn.close' }),
      on: { 'conn.closed': 'stopped' },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});
