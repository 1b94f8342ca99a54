import type { Subscription } from '../../contract/nats.js';
import { fromCallback, type AnyActorRef } from 'xstate';
import { decodeJson } from '../../contract/envelope.js';
import type { SecurityViolation } from '../../contract/messages/actions.js';
import type { DashboardPush, DashboardRequest } from '../../contract/messages/dashboard.js';
import {
  historyReplySchema,
  inspectMessageSchema,
  machineReplySchema,
  type MachineReply,
} from '../../contract/messages/inspect.js';
import { reloadReplySchema } from '../../contract/messages/plugins.js';
import { auditReplies, type AuditRecord } from '../../contract/messages/storage.js';
import type { Logger } from '../../contract/log.js';
import { request } from '../../contract/request.js';
import { errorMessage } from '../../contract/result.js';
import { ADMIN_NAMESPACE, subjects } from '../../contract/subjects.js';
import { describeTree } from '../../supervisors/describe-tree.js';
import type { BusLink } from '../bus/bus-link.js';
import { listActors } from '../inspect/actor-paths.js';
import type { MetricsLink } from '../metrics/metrics-link.js';
import type { DashboardLink } from './dashboard-link.js';
import { DashboardHub } from './hub.js';

/** Draws an actor's chart as SVG: the code of `rosey inspect --chart`, handed in by the application. */
export type DrawChart = (reply: MachineReply) => Promise<string>;
/** Follows Rosey's log file, calling `onLine` with each new line; handed in by the application. */
export type FollowLog = (onLine: (line: string) => void) => { stop(): void };

export interface FeedInput {
  link: BusLink;
  dashboard: DashboardLink;
  metrics: MetricsLink;
  logger: Logger;
  rootSystemId: string;
  rootName: string;
  version: string;
  token?: string;
  localOnly: boolean;
  drawChart: DrawChart;
  followLog?: FollowLog;
  /** How often the tree is read while a page is open. */
  treeIntervalMs: number;
  /** The dashboard's watch lease on the inspect actor: given back when the feed stops. */
  watcher: string;
}

/** What the feed tells its dashboard actor, and what the actor forwards to it from the bus. */
export type FeedEvent = { type: 'dashboard.clients'; count: number };
type AuditEntry = Extract<DashboardPush, { type: 'audit' }>['record'];
export type FeedCommand =
  { type: 'feed.violation'; violation: SecurityViolation } | { type: 'feed.audit'; record: AuditRecord };

/** Kept for a page that opens later. */
const KEPT = { violations: 50, audit: 50, log: 200 };
/** Sent again after this long even when nothing changed, so uptimes stay close. */
const TREE_REFRESH_MS = 5000;

const push = (value: DashboardPush) => JSON.stringify(value);
const keep = <T>(list: T[], item: T, max: number) => {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
};

/** A tree as it changes, without its uptimes (they change at every reading). */
const shape = (tree: unknown) =>
  JSON.stringify(tree, (key, value: unknown) => (key === 'uptimeMs' ? undefined : value));

/**
 * The dashboard's pages and what is pushed to them, owned by the callback: the hub (and every
 * socket), the inspection subscription, the tree's timer and the log's follower all end when it
 * stops. Inspection messages go from the bus to the pages without becoming events of any actor:
 * an event would itself be inspected, and published, and pushed, without end.
 */
export const dashboardFeed = fromCallback<FeedCommand, FeedInput>(({ input, sendBack, receive, system }) => {
  const { logger } = input;
  const violations: SecurityViolation[] = [];
  const audit: AuditEntry[] = [];
  const log: string[] = [];
  const charts = new Map<string, string>();
  let treeTimer: NodeJS.Timeout | undefined;
  let lastShape = '';
  let lastSent = 0;
  let stopped = false;

  const root = () => system.get(input.rootSystemId) as AnyActorRef | undefined;

  const treePush = (): Extract<DashboardPush, { type: 'tree' }> => {
    const top = root();
    const metrics = input.metrics.store?.current();
    return {
      type: 'tree',
      at: Date.now(),
      ...(top ? { tree: describeTree(top) } : {}),
      actors: top ? listActors(top, input.rootName).map(({ ref: _ref, ...actor }) => actor) : [],
      ...(metrics ? { metrics } : {}),
    };
  };

  const sendTree = (force = false) => {
    const value = treePush();
    const now = Date.now();
    const signature = shape(value.tree) + JSON.stringify(value.actors) + String(value.metrics?.at);
    if (!force && signature === lastShape && now - lastSent < TREE_REFRESH_MS) return;
    lastShape = signature;
    lastSent = now;
    hub.broadcast(push(value));
  };

  const chart = async (actor: string, reply: (p: DashboardPush) => void) => {
    const nc = input.link.connection;
    const [machine, history] = await Promise.all([
      request(
        nc,
        subjects.inspectRequest('machine'),
        { actor },
        { reply: machineReplySchema, timeoutMs: 5000 },
      ),
      request(
        nc,
        subjects.inspectRequest('history'),
        { actor },
        { reply: historyReplySchema, timeoutMs: 5000 },
      ),
    ]);
    if (!machine.ok) return reply({ type: 'error', error: machine.error });
    // One layout per machine: the page moves the highlight itself as the actor changes state.
    const key = JSON.stringify(machine.data.root);
    let svg = charts.get(key);
    if (svg === undefined) {
      // The page styles the chart itself (its policy allows no inline <style>), and the title
      // would name the first actor drawn with this machine, not the one a page shows.
      svg = (await input.drawChart(machine.data))
        .replace(/<style>[\s\S]*?<\/style>/, '')
        .replace(/<title>[\s\S]*?<\/title>/, '');
      if (charts.size >= 50) charts.delete(charts.keys().next().value!);
      charts.set(key, svg);
    }
    reply({
      type: 'chart',
      actor: machine.data.actor,
      svg,
      root: machine.data.root,
      active: machine.data.active,
      ...(machine.data.state !== undefined ? { state: machine.data.state } : {}),
      history: history.ok ? history.data.entries : [],
    });
  };

  const act = async (req: Extract<DashboardRequest, { id: string }>, reply: (p: DashboardPush) => void) => {
    const nc = input.link.connection;
    // Recorded before it runs and with its outcome: who did what is in the log whatever happens.
    logger.info(`dashboard: ${req.type} ${req.plugin} requested from a page`, {
      audit: true,
      plugin: req.plugin,
    });
    // The same requests as `rosey plugin reload` and `rosey restart <plugin>` (a cold restart) and
    // `!admin`: one control plane, one behaviour.
    const result = await request(
      nc,
      subjects.pluginControl(req.type),
      { plugin: req.plugin },
      { reply: reloadReplySchema, timeoutMs: 10 * 60_000 },
    );
    const done = req.type === 'reload' ? 'reloaded' : 'restarted';
    const outcome = result.ok
      ? {
          ok: true,
          message: `${req.plugin} ${done}: generation ${result.data.from.generation} → ${result.data.to.generation}`,
        }
      : { ok: false, message: result.error.message };
    // Stored in Rosey's audit log with `!admin`'s records (rosey.audit.admin.*), not only logged.
    const stored = await request(
      nc,
      subjects.audit(ADMIN_NAMESPACE),
      {
        action: `dashboard.${req.type}`,
        target: req.plugin,
        detail: {
          source: 'dashboard',
          outcome: outcome.ok ? 'ok' : 'failed',
          reason: outcome.message.slice(0, 500),
        },
      },
      { reply: auditReplies.record, timeoutMs: 10_000 },
    );
    logger.info(`dashboard: ${req.type} ${req.plugin}: ${outcome.message}`, {
      audit: true,
      plugin: req.plugin,
      ok: outcome.ok,
    });
    if (!stored.ok) {
      logger.error(`dashboard audit record not stored: ${stored.error.message}`);
      // Stored, it comes back to the pages on rosey.audit.admin.*; not stored, the pages still see it.
      const record = {
        at: Date.now(),
        actor: 'dashboard',
        action: `dashboard.${req.type}`,
        target: req.plugin,
        outcome: outcome.ok ? ('ok' as const) : ('error' as const),
        detail: outcome.message,
      };
      keep(audit, record, KEPT.audit);
      hub.broadcast(push({ type: 'audit', record }));
    }
    reply({ type: 'action', id: req.id, ...outcome });
  };

  const hub = new DashboardHub({
    token: input.token,
    localOnly: input.localOnly,
    logger,
    hello: () => ({ type: 'hello', version: input.version, actions: true, violations, audit, log }),
    onRequest: (req, reply) => {
      const done = req.type === 'chart' ? chart(req.actor, reply) : act(req, reply);
      done.catch((error: unknown) =>
        reply({ type: 'error', error: { code: 'INTERNAL', message: errorMessage(error) } }),
      );
    },
    onClients: (count) => {
      if (stopped) return;
      if (count > 0 && !treeTimer) {
        treeTimer = setInterval(() => sendTree(), input.treeIntervalMs);
      } else if (count === 0 && treeTimer) {
        clearInterval(treeTimer);
        treeTimer = undefined;
      }
      if (count > 0) sendTree(true);
      sendBack({ type: 'dashboard.clients', count } satisfies FeedEvent);
    },
  });
  input.dashboard.set(hub);

  // Inspection messages straight from the connection (see above), checked, then pushed as they are.
  let inspecting: Subscription | undefined;
  const unwatch = input.link.watch((nc) => {
    inspecting?.unsubscribe();
    inspecting = nc?.subscribe(subjects.anyInspect, {
      callback: (error, msg) => {
        if (error || hub.clients === 0) return;
        const decoded = decodeJson(msg.data);
        // The page draws states, not every event an actor receives: those stay on the bus (and are
        // left before the schema's check, which would be most of the work for them).
        if (decoded.ok && (decoded.data as { kind?: unknown } | null)?.kind === 'event') return;
        const message = decoded.ok ? inspectMessageSchema.safeParse(decoded.data) : undefined;
        if (!message?.success) {
          logger.debug(`dashboard: dropped a malformed message on ${msg.subject}`);
          return;
        }
        hub.broadcast(push({ type: 'inspect', message: message.data }));
      },
    });
  });

  const follower = input.followLog?.((line) => {
    keep(log, line, KEPT.log);
    if (hub.clients > 0) hub.broadcast(push({ type: 'log', lines: [line] }));
  });

  receive((command) => {
    if (command.type === 'feed.violation') {
      keep(violations, command.violation, KEPT.violations);
      hub.broadcast(push({ type: 'violation', violation: command.violation }));
    } else {
      keep(audit, command.record, KEPT.audit);
      hub.broadcast(push({ type: 'audit', record: command.record }));
    }
  });

  return () => {
    stopped = true;
    // Given back here rather than by the machine: a crash or a kill stops the feed too, and a lease
    // left behind would keep the tree published for nobody until it expired.
    void request(
      input.link.connection,
      subjects.inspectRequest('watch'),
      { watcher: input.watcher, release: true },
      { timeoutMs: 2000 },
    );
    if (treeTimer) clearInterval(treeTimer);
    follower?.stop();
    unwatch();
    inspecting?.unsubscribe();
    input.dashboard.clear(hub);
    hub.close();
  };
});
