import { existsSync, readdirSync } from 'node:fs';
import { backupSchedulerActor, type BackupSchedulerInput } from './backup/backup-scheduler.actor.js';
import {
  memoryReleaseActor,
  type MemoryReleaseInput,
} from '../actors/memory-release/memory-release.actor.js';
import { join } from 'node:path';
import { actionGateMachine } from '../actors/action-gate/action-gate.machine.js';
import { adminMachine, type AdminInput, type PluginSwitches } from '../actors/admin/admin.machine.js';
import { BusLink } from '../actors/bus/bus-link.js';
import { busMachine } from '../actors/bus/bus.machine.js';
import { CONSOLE_PLATFORM, consoleMachine, type ConsoleInput } from '../actors/console/console.machine.js';
import { controlMachine, type ControlInput } from '../actors/control/control.machine.js';
import { clusterPresenceMachine, type ClusterPresenceInput } from '../actors/cluster/presence.machine.js';
import {
  leasedConnectorMachine,
  type LeasedConnectorInput,
} from '../actors/cluster/leased-connector.machine.js';
import { DEFAULT_LEASE_TIMING, type PgLeaseTiming } from '../actors/cluster/pg-lease.actor.js';
import type { RuntimeInfo } from '../actors/control/runtime-file.js';
import { cytubeMachine, type CytubeInput } from '../actors/cytube/cytube.machine.js';
import { CYTUBE_PLATFORM } from '../actors/cytube/platform.js';
import type { NatsEndpoint } from '../actors/bus/connect.js';
import type { DatabaseTarget } from '../actors/database/target.js';
import { migratorMachine } from '../actors/migrator/migrator.machine.js';
import { pluginMigrationsMachine } from '../actors/migrator/plugin-migrations.machine.js';
import { natsServerActor } from '../actors/nats-server/nats-server.actor.js';
import type { PluginUsers } from '../actors/nats-server/plugin-users.js';
import { pluginHostMachine, type PluginHostInput } from '../actors/plugin-host/plugin-host.machine.js';
import {
  pluginManagerMachine,
  type PluginManagerInput,
} from '../actors/plugin-manager/plugin-manager.machine.js';
import {
  pluginWatcherMachine,
  type PluginWatcherInput,
} from '../actors/plugin-watcher/plugin-watcher.machine.js';
import { routerMachine, type RouterInput } from '../actors/router/router.machine.js';
import { httpMachine, type HttpInput } from '../actors/http/http.machine.js';
import type { DashboardLink } from '../actors/dashboard/dashboard-link.js';
import { dashboardMachine, type DashboardInput } from '../actors/dashboard/dashboard.machine.js';
import { isLoopback } from './config/schema.js';
import type { MachineReply } from '../contract/messages/inspect.js';
import { followLog } from './logging/log-follower.js';
import { inspectMachine, type InspectInput } from '../actors/inspect/inspect.machine.js';
import type { MetricsLink } from '../actors/metrics/metrics-link.js';
import { Tally } from '../actors/tally/tally.js';
import { metricsMachine, type MetricsInput } from '../actors/metrics/metrics.machine.js';
import {
  commandsRecorder,
  installedPlugins,
  knownCommandsFile,
  readKnownCommands,
} from './known-commands.js';
import { storageMachine } from '../actors/storage/storage.machine.js';
import type { Logger } from '../contract/log.js';
import { CHAT_CLIENT_PLATFORM } from '../contract/messages/chat.js';
import type { LoadedPlugin } from '../plugin-packages/manifest.js';
import type { ChildSpec } from '../supervisors/child-spec.js';
import { supervisorMachine, type SupervisorInput } from '../supervisors/supervisor.machine.js';
import type { RoseyConfig } from './config/schema.js';
import { ATTR } from '../contract/tracing.js';
import { otlpTracesUrl } from './telemetry/endpoint.js';
import { traceSampleRatio } from './telemetry/sampling.js';
import { telemetryMachine, type TelemetryInput } from './telemetry/telemetry.machine.js';
import { ROSEY_VERSION } from './version.js';

/**
 * The child spec of each of Rosey's components, as the tree (app/tree.ts) runs them: id, shutdown
 * and start timeouts, restart type and input. The test harnesses (`testBot`, the tests' small
 * Roseys) build their trees from these same functions, so a timeout or an input added here holds
 * for them too: one startup list, not several that drift.
 */

/** What every component gets: the bus link and a logger (each takes a child logger of its own). */
export interface Wiring {
  link: BusLink;
  logger: Logger;
  /** What the components tell the metrics actor, in this process (actors/tally). */
  tally: Tally;
}

/**
 * What a new tree's components share: a bus link of their own, the logger they log through, and
 * the tally they tell the metrics actor through.
 */
export function newWiring(logger: Logger): Wiring {
  return { link: new BusLink(), logger, tally: new Tally() };
}

/** System id of the root supervisor: the control plane and the plugin manager find the tree by it. */
export const ROOT_SYSTEM_ID = 'root';

const PLUGIN_STOP_GRACE_MS = 4000;
const PLUGIN_READY_TIMEOUT_MS = 10_000;

/** A supervisor child: `input` without its name, which is the id. */
export function supervisorSpec(
  id: string,
  input: Omit<SupervisorInput, 'name'>,
  extra: Partial<ChildSpec> = {},
): ChildSpec {
  return { ...extra, id, type: 'supervisor', logic: supervisorMachine, input: { name: id, ...input } };
}

/**
 * The main process's tracer (tracing on only, docs/tracing.md): first in the tree, so it is up
 * before anything records a span and stops, sending the last spans, after everything else.
 */
export function telemetrySpec(w: Pick<Wiring, 'logger'>, url: string, sampleRatio = 1): ChildSpec {
  return {
    id: 'telemetry',
    logic: telemetryMachine,
    // Sending the last spans to a collector that does not answer is cut short, not waited for.
    shutdown: 15_000,
    input: {
      url,
      sampleRatio,
      // Rosey's spans are made active only around synchronous calls (the bridge handing its owner
      // a request, a log line): no AsyncLocalStorage hooks on every promise of the main process.
      asyncContext: false,
      logger: w.logger.child('telemetry'),
      resource: {
        [ATTR.serviceName]: 'rosey',
        [ATTR.serviceVersion]: ROSEY_VERSION,
        [ATTR.processPid]: process.pid,
      },
    } satisfies TelemetryInput,
  };
}

/** The embedded nats-server, on a fixed port so a restarted server comes back where clients reconnect. */
export function natsServerSpec(
  w: Wiring,
  server: { port: number; binary?: string; users: PluginUsers; dir: string },
): ChildSpec {
  return {
    id: 'nats-server',
    logic: natsServerActor,
    input: { ...server, logger: w.logger.child('nats-server'), link: w.link },
  };
}

/** The process's one NATS connection. */
export function busSpec(w: Wiring, endpoint: NatsEndpoint, name = `rosey-${process.pid}`): ChildSpec {
  return {
    id: 'bus',
    logic: busMachine,
    input: {
      endpoint: { url: endpoint.url, token: endpoint.token, user: endpoint.user, pass: endpoint.pass },
      link: w.link,
      name,
      logger: w.logger.child('bus'),
    },
  };
}

/** Plugins' key-value stores, tables and audit records. Stopping waits for what it is answering. */
export function storageSpec(w: Wiring, database: DatabaseTarget): ChildSpec {
  return {
    id: 'storage',
    logic: storageMachine,
    shutdown: 10_000,
    input: { link: w.link, logger: w.logger.child('storage'), tally: w.tally, target: database },
  };
}

/** Plugins' migrations. A migration is never cut short: stopping waits for it. */
export function migratorSpec(
  w: Wiring,
  database: DatabaseTarget,
  plugins: { migrationDirs: ReadonlyMap<string, string>; pluginRoots?: string[]; lockTimeoutMs?: number },
): ChildSpec {
  return {
    id: 'migrator',
    logic: migratorMachine,
    shutdown: 'infinity',
    input: { link: w.link, logger: w.logger.child('migrator'), target: database, ...plugins },
  };
}

/**
 * How long the root waits before restarting a `data` supervisor that gave up, doubling each time up to
 * a minute. Restarting anything above `data` cannot fix a storage that keeps crashing, so `data`
 * must not use up the root's intensity (3 in 60 s): with delays of at least 5, 10, 20, 40 s, no
 * 60 s window holds more than three of its restarts (docs/supervision.md).
 */
export const DATA_RESTART_BACKOFF = {
  minMs: 5000,
  maxMs: 60_000,
  randomFactor: 0.2,
  // Up a minute: the next crash loop starts from the short delay again.
  resetAfterMs: 60_000,
} as const;

/**
 * Plugins' data: storage, then the migrator, under a supervisor of their own (one_for_one: each
 * has its own database thread and restarts alone). They are the children that plugins' requests
 * can make crash, so their crashes count here, not against the bus (docs/supervision.md).
 */
export function dataSpec(
  w: Wiring,
  database: DatabaseTarget,
  migrations: Parameters<typeof migratorSpec>[2],
): ChildSpec {
  return supervisorSpec(
    'data',
    {
      strategy: 'one_for_one',
      intensity: 5,
      period: 30,
      logger: w.logger,
      children: [storageSpec(w, database), migratorSpec(w, database, migrations)],
    },
    { backoff: { ...DATA_RESTART_BACKOFF } },
  );
}

/** What plugins do on their own, checked against their grants; the first platform is the default. */
export function actionGateSpec(w: Wiring, platforms: string[]): ChildSpec {
  return {
    id: 'action-gate',
    logic: actionGateMachine,
    input: { link: w.link, logger: w.logger.child('actions'), platforms },
  };
}

/**
 * Chat lines → commands. Stopping lets the commands in flight be answered. `installed`: the plugins
 * Rosey runs, and the data directory where their last announced commands are kept (issue 28).
 */
export function routerSpec(
  w: Wiring,
  config: Pick<RoseyConfig, 'bot' | 'router' | 'platforms' | 'cluster'>,
  installed?: { plugins: LoadedPlugin[]; dataDir: string },
): ChildSpec {
  const logger = w.logger.child('router');
  const file = installed && knownCommandsFile(installed.dataDir);
  return {
    id: 'router',
    logic: routerMachine,
    shutdown: config.router.commandTimeoutMs + 2000,
    input: {
      link: w.link,
      logger,
      tally: w.tally,
      botName: config.bot.name,
      prefix: config.bot.commandPrefix,
      commandTimeoutMs: config.router.commandTimeoutMs,
      defaultCooldownMs: config.router.defaultCooldownMs,
      // Both terminal chats: the one person (or script) typing there wants an answer to every line.
      cooldownFreePlatforms: config.platforms.console.cooldowns
        ? []
        : [CONSOLE_PLATFORM, CHAT_CLIENT_PLATFORM],
      startWaitMs: config.router.startWaitMs,
      startQueueMax: config.router.startQueueMax,
      // A node of a cluster records what it answered in its channel, for the node that takes the
      // channel over.
      recordHandled: config.cluster.urls !== undefined && config.platforms.cytube ? [CYTUBE_PLATFORM] : [],
      ...(installed && file
        ? {
            installed: installedPlugins(installed.plugins, readKnownCommands(file)),
            remember: commandsRecorder(file, logger),
          }
        : {}),
    } satisfies RouterInput,
  };
}

/** Plugin list, info, blue-green reloads, starting and stopping plugins while Rosey runs. */
export function pluginManagerSpec(w: Wiring, input: Omit<PluginManagerInput, 'link' | 'logger'>): ChildSpec {
  return {
    id: 'plugin-manager',
    logic: pluginManagerMachine,
    input: { link: w.link, logger: w.logger.child('plugins'), ...input } satisfies PluginManagerInput,
  };
}

/** Scheduled backups (`backup.every`): started only when configured. */
export function backupSchedulerSpec(w: Wiring, input: Omit<BackupSchedulerInput, 'logger'>): ChildSpec {
  return {
    id: 'backup-scheduler',
    logic: backupSchedulerActor,
    input: { ...input, logger: w.logger.child('backup') } satisfies BackupSchedulerInput,
    // Nothing to wait for: its first backup is one interval away.
    readyOn: 'spawn',
    // A shutdown lets the backup being written finish (a half archive is worth nothing).
    shutdown: 60_000,
  };
}

/** Gives main's memory back once Rosey is quiet after a busy spell (contract/idle-memory.ts). */
export function memoryReleaseSpec(w: Wiring): ChildSpec {
  return {
    id: 'memory-release',
    logic: memoryReleaseActor,
    readyOn: 'spawn',
    input: { logger: w.logger.child('memory-release') } satisfies MemoryReleaseInput,
  };
}

/** The folder with a plugin's SQL migrations. */
export const migrationsDir = (plugin: LoadedPlugin) => join(plugin.dir, 'migrations');

/** Whether a plugin has migration files: any case of `.sql`, as the loader reads (and refuses) them. */
export function hasMigrations(plugin: LoadedPlugin): boolean {
  const dir = migrationsDir(plugin);
  return existsSync(dir) && readdirSync(dir).some((f) => f.toLowerCase().endsWith('.sql'));
}

/** Applies a plugin's pending migrations, before its process starts; never cut short. */
export function pluginMigrationsSpec(w: Wiring, plugin: string): ChildSpec {
  return {
    id: 'migrations',
    logic: pluginMigrationsMachine,
    shutdown: 'brutal_kill',
    startTimeoutMs: 'infinity',
    input: { plugin, link: w.link, logger: w.logger.child(`plugin:${plugin}`, { plugin }) },
  };
}

export interface PluginWiring extends Wiring {
  config: Pick<RoseyConfig, 'plugins' | 'telemetry'>;
  /** How each plugin process connects (its own user, where there is one). */
  pluginNats: (plugin: string) => { endpoint: NatsEndpoint; inboxPrefix?: string };
  /** Replaces parts of every host's input (tests: shorter health intervals, …). */
  host?: Partial<PluginHostInput>;
}

/** The host of one generation of a plugin: child `<name>@<generation>` of the plugin's supervisor. */
export function pluginHostSpec(
  plugin: LoadedPlugin,
  w: PluginWiring,
  generation: number,
  options: { awaitRestore?: boolean } = {},
): ChildSpec {
  const { manifest } = plugin;
  const settings = w.config.plugins.settings[manifest.name];
  const connection = w.pluginNats(manifest.name);
  const traces = otlpTracesUrl(w.config);
  const input: PluginHostInput = {
    plugin: {
      name: manifest.name,
      version: manifest.version,
      entry: plugin.entry,
      memoryMb: settings?.memoryMb ?? manifest.memoryMb,
      config: settings?.config ?? {},
      eventQueue: settings?.eventQueue,
      eventTimeoutMs: settings?.eventTimeoutMs,
      awaitRestore: options.awaitRestore,
    },
    generation,
    nats: connection.endpoint,
    inboxPrefix: connection.inboxPrefix,
    otlpTracesUrl: traces,
    // Read only with tracing on: a sampler variable means nothing (and cannot be wrong) without it.
    traceSampleRatio: traces === undefined ? undefined : traceSampleRatio(w.config),
    link: w.link,
    logger: w.logger.child(`plugin:${manifest.name}`, { plugin: manifest.name, generation }),
    readyTimeoutMs: PLUGIN_READY_TIMEOUT_MS,
    stopGraceMs: PLUGIN_STOP_GRACE_MS,
    ...w.host,
  };
  return {
    id: `${manifest.name}@${generation}`,
    logic: pluginHostMachine,
    restart: manifest.restart,
    shutdown: PLUGIN_STOP_GRACE_MS + 1000,
    startTimeoutMs: PLUGIN_READY_TIMEOUT_MS + 2000,
    backoff: manifest.supervision.backoff,
    input,
  };
}

/**
 * One plugin: its own supervisor (marked failed when it gives up) around, in order, the step that
 * applies its pending migrations (when it has any) and its process host. A blue-green reload adds
 * the next generation's host beside the current one, then removes the one it replaced.
 */
export function pluginSpec(plugin: LoadedPlugin, w: PluginWiring, generation = 1): ChildSpec {
  const { manifest } = plugin;
  const settings = w.config.plugins.settings[manifest.name];
  return supervisorSpec(
    manifest.name,
    {
      // The process needs its migrations: if they had to be redone, so would the process.
      strategy: 'rest_for_one',
      intensity: settings?.intensity ?? manifest.supervision.intensity,
      period: settings?.period ?? manifest.supervision.period,
      logger: w.logger.child('plugins'),
      children: [
        ...(hasMigrations(plugin) ? [pluginMigrationsSpec(w, manifest.name)] : []),
        pluginHostSpec(plugin, w, generation),
      ],
    },
    // A plugin that keeps crashing stays down, marked failed; the rest of Rosey carries on.
    { restart: 'temporary' },
  );
}

/** The dynamic supervisor of every plugin's own supervisor. */
export function pluginsSpec(plugins: LoadedPlugin[], w: PluginWiring): ChildSpec {
  return supervisorSpec('plugins', {
    strategy: 'one_for_one',
    dynamic: true,
    // Plugins do not depend on each other: each process starting in turn made Rosey's start the sum
    // of theirs.
    concurrentStart: true,
    logger: w.logger,
    children: plugins.map((p) => pluginSpec(p, w)),
  });
}

/** The control plane of the CLI (`rosey.control.*`); it owns the runtime file while it runs. */
export function controlSpec(w: Wiring, dataDir: string, runtime: RuntimeInfo): ChildSpec {
  return {
    id: 'control',
    logic: controlMachine,
    input: {
      link: w.link,
      logger: w.logger.child('control'),
      dataDir,
      runtime,
      rootSystemId: ROOT_SYSTEM_ID,
    } satisfies ControlInput,
  };
}

/**
 * This node among the others (docs/guides/SCALING.md): on the operator's NATS cluster with a
 * connection of its own, announced there, and answering `rosey status --cluster`.
 */
export function clusterSpec(
  w: Wiring,
  node: string,
  cluster: RoseyConfig['cluster'] & { urls: string[] },
  runtime: RuntimeInfo,
  prefix: string,
): ChildSpec {
  return {
    id: 'cluster',
    logic: clusterPresenceMachine,
    // Nothing waits for the cluster: a node started while the cluster is down runs (its connector a
    // standby, since the lease is in PostgreSQL) and joins when it can.
    readyOn: 'spawn',
    input: {
      node,
      cluster: { urls: cluster.urls, token: cluster.token, user: cluster.user, pass: cluster.password },
      heartbeatMs: cluster.heartbeatMs,
      statusTimeoutMs: cluster.statusTimeoutMs,
      runtime,
      link: w.link,
      rootSystemId: ROOT_SYSTEM_ID,
      prefix,
      logger: w.logger.child('cluster'),
    } satisfies ClusterPresenceInput,
  };
}

/** How long an `!admin reload|restart|enable|disable` confirmation code is good for (the 30 s). */
export const ADMIN_CONFIRM_MS = 30_000;

/**
 * `!admin` in chat (actors/admin, docs/guides/ADMIN_COMMANDS.md). The terminal chats (`rosey dev`'s
 * console, `rosey chat`) are the operator's: reaching them takes this machine and its data directory.
 */
export function adminSpec(
  w: Wiring,
  config: Pick<RoseyConfig, 'bot' | 'admins' | 'owner' | 'admin'>,
  switches?: PluginSwitches,
  /** The tests' clock, to let a confirmation code go stale. */
  clock?: Pick<AdminInput, 'now'>,
): ChildSpec {
  return {
    id: 'admin',
    logic: adminMachine,
    input: {
      link: w.link,
      logger: w.logger.child('admin'),
      botName: config.bot.name,
      prefix: config.bot.commandPrefix,
      policy: {
        admins: config.admins,
        owner: config.owner,
        minRank: config.admin.minRank,
        operatorPlatforms: [CONSOLE_PLATFORM, CHAT_CLIENT_PLATFORM],
      },
      rateLimit: config.admin.rateLimit,
      confirmMs: ADMIN_CONFIRM_MS,
      chatOnlyPlatforms: [CONSOLE_PLATFORM, CHAT_CLIENT_PLATFORM],
      switches,
      ...clock,
    } satisfies AdminInput,
  };
}

/** Reloads a plugin when its files change (`rosey dev --watch`). */
export function pluginWatcherSpec(w: Wiring, plugins: LoadedPlugin[]): ChildSpec {
  return {
    id: 'plugin-watcher',
    logic: pluginWatcherMachine,
    input: {
      link: w.link,
      logger: w.logger.child('watch'),
      plugins: Object.fromEntries(plugins.map((p) => [p.manifest.name, p.dir])),
    } satisfies PluginWatcherInput,
  };
}

/** A chat in the terminal (`rosey dev`). */
export function consoleSpec(
  w: Wiring,
  config: Pick<RoseyConfig, 'bot' | 'router' | 'platforms'>,
  terminal: Pick<ConsoleInput, 'input' | 'output' | 'interactive' | 'stopOnEof'>,
): ChildSpec {
  return {
    id: 'console',
    logic: consoleMachine,
    shutdown: 2000,
    input: {
      link: w.link,
      logger: w.logger.child('console'),
      tally: w.tally,
      botName: config.bot.name,
      user: config.platforms.console.user,
      rank: config.platforms.console.rank,
      settleTimeoutMs: config.router.commandTimeoutMs + 2000,
      rootSystemId: ROOT_SYSTEM_ID,
      ...terminal,
    } satisfies ConsoleInput,
  };
}

/** The CyTube connector for the configured channel. */
export function cytubeSpec(
  w: Wiring,
  bot: RoseyConfig['bot'],
  cytube: NonNullable<RoseyConfig['platforms']['cytube']>,
): ChildSpec {
  return { id: 'cytube', logic: cytubeMachine, shutdown: 2000, input: cytubeInput(w, bot, cytube) };
}

function cytubeInput(
  w: Wiring,
  bot: RoseyConfig['bot'],
  cytube: NonNullable<RoseyConfig['platforms']['cytube']>,
): CytubeInput {
  return {
    link: w.link,
    logger: w.logger.child('cytube'),
    tally: w.tally,
    server: cytube.server,
    channel: cytube.channel,
    channelPassword: cytube.channelPassword,
    username: cytube.username ?? bot.name,
    password: cytube.password,
    maxMessageLength: cytube.maxMessageLength,
    maxReplyParts: cytube.maxReplyParts,
    reconnect: { minMs: cytube.reconnect.minMs, maxMs: cytube.reconnect.maxMs, randomFactor: 0.3 },
  };
}

/**
 * The CyTube connector of a node of a cluster (docs/guides/SCALING.md): the same connector, run only
 * while this node holds the channel's lease (a PostgreSQL advisory lock in the shared database), so
 * one bot is in the channel whichever nodes run.
 */
export function leasedCytubeSpec(
  w: Wiring,
  bot: RoseyConfig['bot'],
  cytube: NonNullable<RoseyConfig['platforms']['cytube']>,
  lease: { databaseUrl: string; node: string; timing?: PgLeaseTiming },
): ChildSpec {
  return {
    id: 'cytube',
    logic: leasedConnectorMachine,
    // The connector's own 2 s to leave the channel, then the lease's session ends.
    shutdown: 3000,
    input: {
      connector: cytubeInput(w, bot, cytube),
      lease: {
        url: lease.databaseUrl,
        name: cytubeLeaseName(cytube.server, cytube.channel),
        holder: lease.node,
        timing: lease.timing ?? DEFAULT_LEASE_TIMING,
      },
      logger: w.logger.child('cytube'),
    } satisfies LeasedConnectorInput,
  };
}

/**
 * What a channel's lease is called: the server and channel, one bot per channel whatever each node
 * calls it. The server as a URL parser writes it (`https://CyTu.be/` and `https://cytu.be` are one
 * server, so two nodes whose configurations spell it differently still share one lease); channel
 * names are compared as CyTube does, without case.
 */
export function cytubeLeaseName(server: string, channel: string): string {
  let canonical = server;
  try {
    canonical = new URL(server).href.replace(/\/$/, '');
  } catch {
    // Not a URL: the config schema lets only URLs through; kept as written otherwise.
  }
  return `cytube:${canonical}/${channel.toLowerCase()}`;
}

/**
 * The metrics actor: counts what the router, storage and connectors tell it (the wiring's tally)
 * and samples the processes and the tree. `readyOn: spawn`: it has nothing to wait for (without a
 * bus it still samples the main process).
 */
export function metricsSpec(
  w: Wiring,
  metrics: MetricsLink,
  config: Pick<RoseyConfig, 'metrics' | 'plugins'>,
  plugins: LoadedPlugin[] = [],
): ChildSpec {
  const manifests = new Map(plugins.map((p) => [p.manifest.name, p.manifest.memoryMb]));
  return {
    id: 'metrics',
    logic: metricsMachine,
    readyOn: 'spawn',
    input: {
      link: w.link,
      logger: w.logger.child('metrics'),
      metrics,
      tally: w.tally,
      rootSystemId: ROOT_SYSTEM_ID,
      intervalMs: config.metrics.intervalMs,
      windowMs: config.metrics.windowMs,
      memoryLimitMb: (plugin) => config.plugins.settings[plugin]?.memoryMb ?? manifests.get(plugin),
    } satisfies MetricsInput,
  };
}

/**
 * How long the services supervisor waits before restarting the HTTP actor, doubling up to a minute:
 * a port taken by another program must not use up the services' intensity and restart the router.
 */
export const HTTP_RESTART_BACKOFF = { minMs: 5000, maxMs: 60_000, randomFactor: 0.2, resetAfterMs: 60_000 };

/** The HTTP endpoint (`http.*`): it answers from the metrics actor's store and the tree. */
export function httpSpec(
  w: Wiring,
  metrics: MetricsLink,
  http: RoseyConfig['http'],
  dashboard?: DashboardLink,
): ChildSpec {
  return {
    id: 'http',
    logic: httpMachine,
    shutdown: 2000,
    backoff: { ...HTTP_RESTART_BACKOFF },
    input: {
      logger: w.logger.child('http'),
      metrics,
      rootSystemId: ROOT_SYSTEM_ID,
      host: http.host,
      port: http.port,
      ...(http.token !== undefined ? { token: http.token } : {}),
      ...(dashboard ? { dashboard } : {}),
    } satisfies HttpInput,
  };
}

/**
 * The dashboard (`http.dashboard`, docs/dashboard.md): the pages connected to the HTTP endpoint's
 * WebSocket. `readyOn: spawn`: nothing waits for it. It draws charts with the code of `rosey
 * inspect --chart`, and tails the log file when there is one.
 */
export function dashboardSpec(
  w: Wiring,
  links: { dashboard: DashboardLink; metrics: MetricsLink },
  http: RoseyConfig['http'],
  logFile?: string,
): ChildSpec {
  return {
    id: 'dashboard',
    logic: dashboardMachine,
    readyOn: 'spawn',
    shutdown: 2000,
    input: {
      link: w.link,
      logger: w.logger.child('dashboard'),
      dashboard: links.dashboard,
      metrics: links.metrics,
      rootSystemId: ROOT_SYSTEM_ID,
      rootName: 'rosey',
      version: ROSEY_VERSION,
      ...(http.token !== undefined ? { token: http.token } : {}),
      localOnly: isLoopback(http.host),
      // elkjs (1.6 MB of generated code: 0.2–0.4 s and ~35 MB when loaded) only once the dashboard
      // draws its first chart, not at every start (issue 16).
      drawChart: async (reply: MachineReply) => (await import('./inspect-chart.js')).svgChart(reply),
      ...(logFile
        ? { followLog: (onLine: (line: string) => void) => followLog(logFile, onLine, 500, 64 * 1024) }
        : {}),
    } satisfies DashboardInput,
  };
}

/**
 * The inspect actor (`rosey inspect`, docs/subjects.md#inspection): it observes the tree it is in
 * and publishes what it sees only while someone watches. `readyOn: spawn`: nothing waits for it.
 * `secrets`: values redacted wherever they would show (config passwords, NATS credentials).
 */
export function inspectSpec(w: Wiring, secrets: (string | undefined)[]): ChildSpec {
  return {
    id: 'inspect',
    logic: inspectMachine,
    readyOn: 'spawn',
    input: {
      link: w.link,
      logger: w.logger.child('inspect'),
      rootSystemId: ROOT_SYSTEM_ID,
      rootName: 'rosey',
      secrets: secrets.filter((s): s is string => typeof s === 'string'),
    } satisfies InspectInput,
  };
}

/** What the inspect actor must never show: every password, token and credential of the config. */
export function configSecrets(
  config: Pick<RoseyConfig, 'nats' | 'platforms' | 'http'> & Partial<Pick<RoseyConfig, 'cluster'>>,
): (string | undefined)[] {
  const cytube = config.platforms.cytube;
  return [
    config.cluster?.token,
    config.cluster?.password,
    config.nats.token,
    config.nats.password,
    ...Object.values(config.nats.plugins).map((p) => p.password),
    cytube?.password,
    cytube?.channelPassword,
    config.http.token,
  ];
}
