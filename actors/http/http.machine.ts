import { assign, sendParent, setup } from 'xstate';
import type { Logger } from '../../contract/log.js';
import { childReady } from '../../supervisors/child-protocol.js';
import type { ExitReason } from '../../supervisors/exit-reason.js';
import type { DashboardLink } from '../dashboard/dashboard-link.js';
import type { MetricsLink } from '../metrics/metrics-link.js';
import { httpServerActor, type HttpServerEvent } from './http-server.actor.js';

export interface HttpInput {
  logger: Logger;
  metrics: MetricsLink;
  rootSystemId: string;
  /** `http.host`, `http.port` (0: any free port, shown by `rosey status`), `http.token`. */
  host: string;
  port: number;
  token?: string;
  /** Set when the dashboard is on (`http.dashboard`): the page, and its WebSocket's upgrades. */
  dashboard?: DashboardLink;
}

/** A URL for the address it listens on (an IPv6 address in brackets). */
export const listenUrl = (host: string, port: number) =>
  `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * The HTTP endpoint (docs/metrics.md): `/metrics`, `/health`, `/ready` and the JSON API, answered
 * from the metrics actor's store and the supervision tree. Ready once it listens, with its URL in
 * `rosey status`; a port it cannot have is a failed start whose reason names the port and the key.
 */
export const httpMachine = setup({
  types: {
    input: {} as HttpInput,
    context: {} as { input: HttpInput; failure?: string },
    events: {} as HttpServerEvent | { type: 'rosey.shutdown' },
    output: {} as { exit: ExitReason },
  },
  actors: { server: httpServerActor },
}).createMachine({
  id: 'http',
  context: ({ input }) => ({ input }),
  invoke: {
    id: 'server',
    src: 'server',
    input: ({ context }) => ({
      host: context.input.host,
      port: context.input.port,
      token: context.input.token,
      metrics: context.input.metrics,
      rootSystemId: context.input.rootSystemId,
      logger: context.input.logger,
      ...(context.input.dashboard ? { dashboard: context.input.dashboard } : {}),
    }),
  },
  output: ({ context }) => ({
    exit: context.failure === undefined ? 'shutdown' : { error: context.failure },
  }),
  initial: 'starting',
  states: {
    starting: {
      on: {
        'http.listening': {
          target: 'serving',
          actions: [
            ({ context, event }) =>
              context.input.logger.info(`HTTP endpoint on ${listenUrl(event.host, event.port)}`),
            sendParent(({ self, event }) =>
              childReady(self, { url: listenUrl(event.host, event.port), port: event.port }),
            ),
          ],
        },
      },
    },
    serving: {},
    failed: { type: 'final' },
    stopped: { type: 'final' },
  },
  on: {
    'http.failed': {
      target: '.failed',
      actions: [
        assign({ failure: ({ event }) => event.error }),
        ({ context, event }) => context.input.logger.error(event.error),
      ],
    },
    'rosey.shutdown': '.stopped',
  },
});
