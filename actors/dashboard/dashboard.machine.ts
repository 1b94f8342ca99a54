import { randomUUID } from 'node:crypto';
import { assertEvent, sendTo, setup } from 'xstate';
import { securityViolationSchema, type SecurityViolation } from '../../contract/messages/actions.js';
import { auditRecordSchema, type AuditRecord } from '../../contract/messages/storage.js';
import type { Logger } from '../../contract/log.js';
import { subjects } from '../../contract/subjects.js';
import {
  bridgeInput,
  busBridge,
  type BridgeCommand,
  type BusResponseEvent,
  type InboundEvent,
} from '../bus/bridge.actor.js';
import type { BusLink } from '../bus/bus-link.js';
import type { MetricsLink } from '../metrics/metrics-link.js';
import type { DashboardLink } from './dashboard-link.js';
import {
  dashboardFeed,
  type DrawChart,
  type FeedCommand,
  type FeedEvent,
  type FollowLog,
} from './feed.actor.js';

export interface DashboardInput {
  link: BusLink;
  logger: Logger;
  dashboard: DashboardLink;
  metrics: MetricsLink;
  rootSystemId: string;
  rootName: string;
  version: string;
  /** `http.token`: required of every page's WebSocket when set. */
  token?: string;
  /** `http.host` is a loopback address. */
  localOnly: boolean;
  drawChart: DrawChart;
  followLog?: FollowLog;
  /** The inspect actor's lease (15 s): renewed at a third of it while a page is open. */
  leaseMs?: number;
  treeIntervalMs?: number;
}

type DashboardEvent =
  | FeedEvent
  | InboundEvent<'dashboard.violation', SecurityViolation>
  | InboundEvent<'dashboard.audit', AuditRecord>
  | BusResponseEvent
  | { type: 'bus.bound' }
  | { type: 'rosey.shutdown' };

const LEASE_MS = 15_000;

/**
 * The dashboard (docs/dashboard.md): the pages connected over WebSocket and what they are shown.
 * While at least one page is open it holds a watch lease on the inspect actor (renewed at a third
 * of its length), so the tree's actors are published only then; the last page closing gives it
 * back, and so does the feed when it stops (however it stops). The feed owns the sockets and timers; violations and audit records
 * come through the bus bridge and are passed on to it.
 */
export const dashboardMachine = setup({
  types: {
    input: {} as DashboardInput,
    context: {} as { input: DashboardInput; watcher: string },
    events: {} as DashboardEvent,
  },
  actors: { bus: busBridge, feed: dashboardFeed },
  delays: { renew: ({ context }) => Math.floor((context.input.leaseMs ?? LEASE_MS) / 3) },
  guards: {
    someoneWatches: ({ event }) => event.type === 'dashboard.clients' && event.count > 0,
    nobodyWatches: ({ event }) => event.type === 'dashboard.clients' && event.count === 0,
  },
  actions: {
    lease: sendTo(
      'bus',
      ({ context }) =>
        ({
          type: 'bus.request',
          subject: subjects.inspectRequest('watch'),
          // The page draws states, not events: a `transitions` lease spares the tree the summaries
          // of every event and context (docs/benchmarks.md#dashboard-suite).
          data: { watcher: context.watcher, detail: 'transitions' },
          timeoutMs: 5000,
          requestId: 'lease',
        }) satisfies BridgeCommand,
    ),
    release: sendTo(
      'bus',
      ({ context }) =>
        ({
          type: 'bus.request',
          subject: subjects.inspectRequest('watch'),
          data: { watcher: context.watcher, release: true },
          timeoutMs: 5000,
          requestId: 'release',
        }) satisfies BridgeCommand,
    ),
    forwardViolation: sendTo('feed', ({ event }) => {
      assertEvent(event, 'dashboard.violation');
      return { type: 'feed.violation', violation: event.data } satisfies FeedCommand;
    }),
    forwardAudit: sendTo('feed', ({ event }) => {
      assertEvent(event, 'dashboard.audit');
      return { type: 'feed.audit', record: event.data } satisfies FeedCommand;
    }),
    leaseAnswered: ({ context, event }) => {
      assertEvent(event, 'bus.response');
      if (!event.result.ok)
        context.input.logger.debug(
          `dashboard: watch lease (${event.requestId}): ${event.result.error.message}`,
        );
    },
  },
}).createMachine({
  id: 'dashboard',
  context: ({ input }) => ({ input, watcher: `dashboard-${randomUUID()}` }),
  invoke: [
    {
      id: 'bus',
      src: 'bus',
      input: ({ context }) =>
        bridgeInput(context.input, {
          subscriptions: [
            {
              subject: subjects.securityViolation,
              event: 'dashboard.violation',
              schema: securityViolationSchema,
            },
            { subject: 'rosey.audit.>', event: 'dashboard.audit', schema: auditRecordSchema },
          ],
        }),
    },
    {
      id: 'feed',
      src: 'feed',
      input: ({ context }) => ({
        link: context.input.link,
        dashboard: context.input.dashboard,
        metrics: context.input.metrics,
        logger: context.input.logger,
        rootSystemId: context.input.rootSystemId,
        rootName: context.input.rootName,
        version: context.input.version,
        ...(context.input.token !== undefined ? { token: context.input.token } : {}),
        localOnly: context.input.localOnly,
        drawChart: context.input.drawChart,
        ...(context.input.followLog ? { followLog: context.input.followLog } : {}),
        treeIntervalMs: context.input.treeIntervalMs ?? 500,
        watcher: context.watcher,
      }),
    },
  ],
  on: {
    'dashboard.violation': { actions: 'forwardViolation' },
    'dashboard.audit': { actions: 'forwardAudit' },
    'bus.response': { actions: 'leaseAnswered' },
  },
  initial: 'idle',
  states: {
    idle: {
      on: {
        'dashboard.clients': { guard: 'someoneWatches', target: 'watching' },
        'rosey.shutdown': 'stopped',
      },
    },
    watching: {
      entry: 'lease',
      after: { renew: { target: 'watching', reenter: true } },
      on: {
        // The bus came back (a restart of it): the lease may be gone with the old inspect actor's.
        'bus.bound': { target: 'watching', reenter: true },
        'dashboard.clients': { guard: 'nobodyWatches', target: 'idle', actions: 'release' },
        // The feed gives the lease back as it stops.
        'rosey.shutdown': 'stopped',
      },
    },
    stopped: { type: 'final' },
  },
});
