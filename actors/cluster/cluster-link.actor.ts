import { randomUUID } from 'node:crypto';
import { connect, type Msg, type NatsConnection, type Subscription } from '../../contract/nats.js';
import { fromCallback, type AnyActorRef } from 'xstate';
import type { z } from '../../contract/zod.js';
import type { BusLink } from '../bus/bus-link.js';
import { redactUrl } from '../bus/connect.js';
import type { RuntimeInfo } from '../control/runtime-file.js';
import { counted } from '../../contract/counted.js';
import { decodeJson, encodeJson } from '../../contract/envelope.js';
import type { Logger } from '../../contract/log.js';
import {
  clusterInfoRequestSchema,
  clusterReloadRequestSchema,
  nodeHeartbeatSchema,
  type ClusterReloadReply,
  type ReloadStep,
  nodeInfoSchema,
  type ClusterNode,
  type NodeHeartbeat,
  type NodeInfo,
} from '../../contract/messages/cluster.js';
import {
  handoverRecordSchema,
  handoverSyncReplySchema,
  type HandoverSyncReply,
  type ChannelJoined,
  type HandledLine,
  type HandoverRecord,
} from '../../contract/messages/handover.js';
import { pluginListReplySchema, reloadReplySchema } from '../../contract/messages/plugins.js';
import { request } from '../../contract/request.js';
import { err, errorMessage, ok, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';
import { validate } from '../../contract/validate.js';
import { describeTree } from '../../supervisors/describe-tree.js';
import { gather } from './gather.js';
import { HandoverJournal } from './handover-journal.js';
import { takeOver } from './takeover.js';
import { Peers } from './peers.js';
import { summariseTree } from './tree-summary.js';

export interface ClusterEndpoint {
  urls: string[];
  token?: string;
  user?: string;
  pass?: string;
}

export interface ClusterLinkInput {
  node: string;
  cluster: ClusterEndpoint;
  heartbeatMs: number;
  statusTimeoutMs: number;
  runtime: Pick<RuntimeInfo, 'pid' | 'version' | 'startedAt'>;
  /** The node's own bus: its plugin manager says which plugins run. */
  link: BusLink;
  rootSystemId: string;
  /** The command prefix: a node taking a channel over tells commands from chat in its replay. */
  prefix: string;
  logger: Logger;
}

/**
 * From the parent: gather every node's answer for `rosey.control.cluster.status`, or reload a
 * plugin on every node, one at a time (`rosey.control.cluster.reload`).
 */
export type ClusterLinkCommand =
  | { type: 'cluster.gather'; replyId: string }
  | { type: 'cluster.roll'; replyId: string; plugin: string }
  /** The node's router answered a channel line: its record goes to the cluster. */
  | { type: 'handover.handled'; data: HandledLine }
  /** The node's connector joined its channel: what the previous holder left open is dealt with. */
  | { type: 'handover.joined'; data: ChannelJoined };

/** To the parent. */
export type ClusterLinkEvent =
  | { type: 'cluster.connected'; server: string }
  | { type: 'cluster.failed'; error: string }
  | { type: 'cluster.answer'; replyId: string; result: Result<unknown> }
  /** Lines to say in a channel this node has just taken over (actors/cluster/takeover.ts). */
  | { type: 'cluster.say'; platform: string; channel: string; lines: string[] };

/**
 * How long one node's reload may take before the rolling reload stops there: what its plugin
 * manager allows a reload (health checks, drain, migrations), so a slow node is not called failed
 * while it goes on to finish.
 */
export const NODE_RELOAD_TIMEOUT_MS = 10 * 60_000;

/** Between attempts to reach the cluster before the first connection (after it the client retries). */
const FIRST_CONNECT_RETRY_MS = 1000;

/**
 * A request served on the cluster connection: its payload checked against `schema` (a refusal
 * answered as such), then `handle`'s result answered.
 */
function serve<S extends z.ZodType>(
  conn: NatsConnection,
  subject: string,
  schema: S,
  handle: (data: z.output<S>) => Promise<Result<unknown>>,
): Subscription {
  return conn.subscribe(subject, {
    callback: (error, msg) => {
      if (error || !msg.reply) return;
      const decoded = decodeJson(msg.data);
      const checked = decoded.ok ? validate(schema, decoded.data) : decoded;
      if (!checked.ok) return respond(msg, checked);
      void handle(checked.data).then((result) => respond(msg, result));
    },
  });
}

/** An answer on the cluster connection, which may have closed meanwhile (then nobody waits for it). */
function respond(msg: Msg, data: unknown): void {
  try {
    msg.respond(encodeJson(data));
  } catch {
    // Closed: the asker times out, as it would had the node died.
  }
}

/** Silent nodes stay listed this long (then they are taken as gone for good). */
const FORGET_AFTER_HEARTBEATS = 60;

/**
 * The node's one connection to the operator's NATS cluster, kept apart from the embedded server
 * its actors and plugins use: only what this actor publishes and subscribes (`rosey.cluster.>`)
 * ever crosses, so no node-local subject can leak by a forgotten deny rule. It announces the node
 * every `heartbeatMs`, answers `rosey.cluster.info` with what the node runs, and gathers the
 * others' answers when asked. The client fails over between the seeds and reconnects forever.
 */
export const clusterLinkActor = fromCallback<ClusterLinkCommand, ClusterLinkInput>(
  ({ input, sendBack, receive, system }) => {
    const log = input.logger;
    const instance = randomUUID();
    const peers = new Peers(input.heartbeatMs * FORGET_AFTER_HEARTBEATS, input.heartbeatMs * 2);
    const heartbeat: NodeHeartbeat = {
      node: input.node,
      instance,
      pid: input.runtime.pid,
      version: input.runtime.version,
    };
    let nc: NatsConnection | undefined;
    let disposed = false;
    let timer: NodeJS.Timeout | undefined;
    let retry: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    const subs: Subscription[] = [];
    const journal = new HandoverJournal();
    const strangers = new Set<string>();
    let syncTimer: NodeJS.Timeout | undefined;
    let synced = false;
    const waitingJoins: ChannelJoined[] = [];
    // The first sync is asked two heartbeats after the first connection and waits for its answers
    // at most `statusTimeoutMs`; a cluster out of reach must not hold a takeover for longer.
    const syncCap = setTimeout(() => settleSync(), input.heartbeatMs * 2 + input.statusTimeoutMs + 1000);

    const info = async (): Promise<NodeInfo> => {
      const root = system.get(input.rootSystemId) as AnyActorRef | undefined;
      const plugins = await request(
        input.link.connection,
        subjects.pluginControl('list'),
        {},
        { reply: pluginListReplySchema, timeoutMs: Math.max(100, input.statusTimeoutMs / 2) },
      );
      return {
        ...heartbeat,
        startedAt: input.runtime.startedAt,
        uptimeMs: Date.now() - Date.parse(input.runtime.startedAt),
        tree: root
          ? summariseTree(describeTree(root))
          : { actors: 0, running: 0, notRunning: ['rosey (no tree)'] },
        ...(plugins.ok
          ? {
              plugins: plugins.data.plugins.map((p) => ({
                name: p.name,
                version: p.version,
                state: p.state,
              })),
            }
          : {}),
      };
    };

    // From a timer or a bus message: a publish on a connection that is closing throws, and must not
    // end the process. Without a connection yet it is not sent: the cluster was never reached.
    const publish = (subject: string, data: unknown) => {
      if (!nc || nc.isClosed()) return;
      try {
        nc.publish(subject, encodeJson(data));
      } catch {
        // Closing: the connection's end is reported by `closed()`.
      }
    };
    const beat = () => publish(subjects.clusterHeartbeat(input.node), heartbeat);
    const share = (record: HandoverRecord) => {
      journal.record(record);
      publish(subjects.clusterHandover(input.node), record);
    };

    /**
     * What the other nodes know of the channels, asked once this node is (again) on the cluster and
     * has heard who is there: a node restarted, or cut off for a while, would otherwise take a
     * channel over knowing neither its holder's session nor the lines it answered.
     */
    const sync = async () => {
      const others = [...peers.known().keys()].filter((node) => node !== input.node);
      if (!nc || nc.isClosed() || others.length === 0) return;
      const { answers, invalid } = await gather(nc, subjects.clusterHandoverSync, {
        schema: handoverSyncReplySchema,
        deadlineMs: input.statusTimeoutMs,
        expected: new Set(others),
      });
      // Its own answer (it serves the request too) tells it nothing new.
      answers.delete(input.node);
      let records = 0;
      for (const answer of answers.values())
        for (const record of answer.records) {
          journal.record(record);
          records++;
        }
      if (records > 0)
        log.info(
          `learnt ${counted(records, 'handover record')} from ${[...answers.keys()].sort().join(', ')}: this node can take their channels over`,
        );
      if (invalid > 0) log.warn(`${counted(invalid, 'handover sync answer')} left out: not a valid answer`);
    };
    // Sessions shared while the cluster was out of reach (the lease is PostgreSQL's, so a node may
    // hold its channel before it reaches the cluster) reach the others once it does.
    const reannounce = () => {
      for (const session of journal.sessionsOf(input.node))
        publish(subjects.clusterHandover(input.node), session);
    };
    const syncSoon = () => {
      clearTimeout(syncTimer);
      syncTimer = setTimeout(
        () =>
          void sync()
            .catch(() => undefined)
            .finally(settleSync),
        input.heartbeatMs * 2,
      );
    };
    /**
     * A join before the first sync has answered waits for it (at most `SYNC_WAIT`): taking over by
     * an empty journal would do nothing for the lines left open, and share a term the others already
     * passed, so they would not take this node for the channel's holder.
     */
    const settleSync = () => {
      if (synced) return;
      synced = true;
      clearTimeout(syncCap);
      for (const join of waitingJoins.splice(0)) joined(join);
    };

    /** This node's connector is in its channel: it answers for what the previous holder left open. */
    const joined = (join: ChannelJoined) => {
      if (!synced) {
        waitingJoins.push(join);
        return;
      }
      const { platform, channel, history } = join;
      const previous = journal.latestSession(platform, channel);
      const taken = takeOver({
        history,
        previous: previous && previous.node !== input.node ? previous : undefined,
        handled: journal.handled(platform, channel),
        prefix: input.prefix,
        now: Date.now(),
      });
      share({
        kind: 'session',
        node: input.node,
        platform,
        channel,
        // Lines before the previous holder's start are never this session's, even when the replay
        // is empty or older.
        after: Math.max(taken.after, previous?.after ?? 0),
        term: (previous?.term ?? 0) + 1,
      });
      if (!previous || previous.node === input.node) return;
      log.info(
        `took ${platform} ${channel} over from node ${previous.node}: ${counted(taken.resent, 'answer')} it had not delivered sent again, ${counted(taken.refused, 'command')} without an answer refused`,
      );
      if (taken.say.length > 0) sendBack({ type: 'cluster.say', platform, channel, lines: taken.say });
    };

    const listen = (conn: NatsConnection) => {
      subs.push(
        conn.subscribe(subjects.anyClusterHeartbeat, {
          callback: (error, msg) => {
            if (error) return;
            const decoded = decodeJson(msg.data);
            const checked = decoded.ok ? validate(nodeHeartbeatSchema, decoded.data) : undefined;
            // A node speaks for itself only: its name is its subject's (a heartbeat for another name,
            // or a name no node may have, would list a node that does not exist).
            if (!checked?.ok || msg.subject !== subjects.clusterHeartbeat(checked.data.node)) return;
            const other = peers.heard(checked.data);
            if (other && checked.data.node === input.node) {
              const stranger = checked.data.instance === instance ? other : checked.data;
              // Once per other process, not at every heartbeat of the two.
              if (strangers.has(stranger.instance)) return;
              if (strangers.size >= 64) strangers.clear();
              strangers.add(stranger.instance);
              log.error(
                `another process (pid ${stranger.pid}) also calls itself node ${input.node}: give each node its own name`,
              );
            }
          },
        }),
        conn.subscribe(subjects.anyClusterHandover, {
          callback: (error, msg) => {
            if (error) return;
            const decoded = decodeJson(msg.data);
            const checked = decoded.ok ? validate(handoverRecordSchema, decoded.data) : undefined;
            // A node records for itself only, as with heartbeats; its own records are kept already.
            if (!checked?.ok || msg.subject !== subjects.clusterHandover(checked.data.node)) return;
            if (checked.data.node !== input.node) journal.record(checked.data);
          },
        }),
        serve(conn, subjects.clusterNodeReload(input.node), clusterReloadRequestSchema, (data) =>
          // This node's own plugin manager does the blue-green reload, as `rosey plugin reload` would.
          request(
            input.link.connection,
            subjects.pluginControl('reload'),
            { plugin: data.plugin },
            { reply: reloadReplySchema, timeoutMs: NODE_RELOAD_TIMEOUT_MS },
          ),
        ),
        serve(conn, subjects.clusterHandoverSync, clusterInfoRequestSchema, () =>
          Promise.resolve(ok({ node: input.node, records: journal.recent() } satisfies HandoverSyncReply)),
        ),
        serve(conn, subjects.clusterInfo, clusterInfoRequestSchema, () =>
          info().then(
            (data) => ok(data),
            (failure: unknown) => err('INTERNAL', errorMessage(failure)),
          ),
        ),
      );
    };

    const gatherAll = async (): Promise<Result<{ self: string; nodes: ClusterNode[] }>> => {
      if (!nc || nc.isClosed()) return err('BUS_UNAVAILABLE', 'not connected to the NATS cluster');
      const known = peers.known();
      known.set(input.node, 0);
      const { answers } = await gather(nc, subjects.clusterInfo, {
        schema: nodeInfoSchema,
        deadlineMs: input.statusTimeoutMs,
        expected: new Set(known.keys()),
      });
      const names = [...new Set([...known.keys(), ...answers.keys()])].sort();
      const nodes = names.map((node): ClusterNode => {
        const answer = answers.get(node);
        return answer
          ? { node, answered: true, info: answer }
          : { node, answered: false, lastHeardMs: known.get(node) ?? 0 };
      });
      return ok({ self: input.node, nodes });
    };

    /** Every node heard lately and this one, in name order, one at a time; stops at the first failure. */
    const roll = async (plugin: string): Promise<Result<ClusterReloadReply>> => {
      if (!nc || nc.isClosed()) return err('BUS_UNAVAILABLE', 'not connected to the NATS cluster');
      const names = [...new Set([...peers.known().keys(), input.node])].sort();
      const steps: ReloadStep[] = [];
      let failed = false;
      for (const node of names) {
        if (failed) {
          steps.push({ node, outcome: 'not reached' });
          continue;
        }
        const result = await request(
          nc,
          subjects.clusterNodeReload(node),
          { plugin },
          { reply: reloadReplySchema, timeoutMs: NODE_RELOAD_TIMEOUT_MS + 5000 },
        );
        if (result.ok) steps.push({ node, outcome: 'reloaded', reload: result.data });
        else {
          failed = true;
          steps.push({ node, outcome: 'failed', error: { ...result.error } });
        }
        log.info(
          `rolling reload of ${plugin}: ${node} ${result.ok ? 'reloaded' : `failed (${result.error.message})`}`,
        );
      }
      return ok({ plugin, complete: !failed, steps });
    };

    /**
     * The first connection, tried until it succeeds or the actor stops. Not the client's
     * `waitOnFirstConnect`: nothing can cancel that loop, so a node stopped (or restarted) while the
     * cluster was down left it retrying in the background (found in review).
     */
    const firstConnect = async (): Promise<NatsConnection | undefined> => {
      let told = false;
      while (!disposed) {
        try {
          return await connect({
            servers: input.cluster.urls,
            token: input.cluster.token,
            user: input.cluster.user,
            pass: input.cluster.pass,
            name: `rosey-cluster-${input.node}`,
            timeout: 2000,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 250,
            reconnectJitter: 100,
            pingInterval: 2000,
            maxPingOut: 2,
            noAsyncTraces: true,
          });
        } catch (error) {
          if (!told)
            log.warn(
              `cannot reach the NATS cluster yet (${errorMessage(error)}): trying again every ${FIRST_CONNECT_RETRY_MS / 1000}s`,
            );
          told = true;
          await new Promise<void>((resolve) => {
            wake = resolve;
            retry = setTimeout(resolve, FIRST_CONNECT_RETRY_MS);
          });
        }
      }
      return undefined;
    };

    void (async () => {
      try {
        const conn = await firstConnect();
        if (!conn) return;
        if (disposed) {
          await conn.close();
          return;
        }
        nc = conn;
        listen(conn);
        beat();
        reannounce();
        syncSoon();
        timer = setInterval(beat, input.heartbeatMs);
        sendBack({ type: 'cluster.connected', server: redactUrl(conn.getServer()) });
        // It reconnects forever, so closing means something it cannot get past (credentials
        // refused): a crash, for the supervisor to restart.
        void conn.closed().then((error) => {
          if (!disposed)
            sendBack({
              type: 'cluster.failed',
              error: `the NATS cluster connection closed${error ? `: ${errorMessage(error)}` : ''}`,
            });
        });
        void (async () => {
          for await (const status of conn.status()) {
            if (status.type === 'disconnect') log.warn(`lost the NATS cluster server ${status.server}`);
            if (status.type === 'reconnect') {
              log.info(`reconnected to the NATS cluster at ${status.server}`);
              beat();
              reannounce();
              syncSoon();
            }
          }
        })().catch(() => undefined);
      } catch (error) {
        if (!disposed)
          sendBack({
            type: 'cluster.failed',
            error: `cannot reach the NATS cluster: ${errorMessage(error)}`,
          });
      }
    })();

    receive((event) => {
      if (event.type === 'handover.handled') {
        share({ ...event.data, kind: 'handled', node: input.node });
        return;
      }
      if (event.type === 'handover.joined') {
        joined(event.data);
        return;
      }
      const work = event.type === 'cluster.roll' ? roll(event.plugin) : gatherAll();
      void work.then(
        (result) => sendBack({ type: 'cluster.answer', replyId: event.replyId, result }),
        (error: unknown) =>
          sendBack({
            type: 'cluster.answer',
            replyId: event.replyId,
            result: err('INTERNAL', errorMessage(error)),
          }),
      );
    });

    return () => {
      disposed = true;
      clearInterval(timer);
      clearTimeout(retry);
      clearTimeout(syncTimer);
      clearTimeout(syncCap);
      wake?.();
      for (const sub of subs) sub.unsubscribe();
      void nc?.close();
    };
  },
);
