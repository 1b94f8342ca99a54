import type { BusLink } from '../actors/bus/bus-link.js';
import type { NatsEndpoint } from '../actors/bus/connect.js';
import { CONSOLE_PLATFORM } from '../actors/console/console.machine.js';
import type { RuntimeInfo } from '../actors/control/runtime-file.js';
import { CYTUBE_PLATFORM } from '../actors/cytube/platform.js';
import type { DatabaseTarget } from '../actors/database/target.js';
import type { PluginUsers } from '../actors/nats-server/plugin-users.js';
import { pluginGrants } from '../contract/capabilities.js';
import { CHAT_CLIENT_PLATFORM } from '../contract/messages/chat.js';
import type { Logger } from '../contract/log.js';
import type { LoadedPlugin } from '../plugin-packages/manifest.js';
import { installedPluginsDir } from '../plugin-packages/plugin-switches.js';
import type { ChildSpec } from '../supervisors/child-spec.js';
import type { SupervisorInput } from '../supervisors/supervisor.machine.js';
import {
  actionGateSpec,
  adminSpec,
  backupSchedulerSpec,
  busSpec,
  dataSpec,
  consoleSpec,
  dashboardSpec,
  httpSpec,
  inspectSpec,
  configSecrets,
  memoryReleaseSpec,
  metricsSpec,
  controlSpec,
  clusterSpec,
  cytubeSpec,
  leasedCytubeSpec,
  hasMigrations,
  migrationsDir,
  natsServerSpec,
  pluginHostSpec,
  pluginManagerSpec,
  pluginSpec,
  pluginsSpec,
  pluginWatcherSpec,
  ROOT_SYSTEM_ID,
  routerSpec,
  supervisorSpec,
  telemetrySpec,
  type PluginWiring,
} from './child-specs.js';
import { otlpTracesUrl } from './telemetry/endpoint.js';
import { traceSampleRatio } from './telemetry/sampling.js';
import { defaultNodeName, type RoseyConfig } from './config/schema.js';
import { hostname } from 'node:os';
import type { LoadedConfig } from './config/load.js';
import type { PluginSwitches } from '../actors/admin/admin.machine.js';
import { everyMs } from './backup/backup-scheduler.actor.js';
import { MetricsLink } from '../actors/metrics/metrics-link.js';
import { Tally } from '../actors/tally/tally.js';
import { DashboardLink } from '../actors/dashboard/dashboard-link.js';
import { join } from 'node:path';

export interface RoseyTreeOptions {
  config: RoseyConfig;
  dataDir: string;
  link: BusLink;
  logger: Logger;
  /** Rosey's own connection; `embedded` when Rosey runs the server (with these users). */
  nats: NatsEndpoint & { embedded?: { port: number; binary: string; users: PluginUsers } };
  /** How each plugin process connects (its own user, where there is one). */
  pluginNats: PluginWiring['pluginNats'];
  database: DatabaseTarget;
  plugins: LoadedPlugin[];
  /** Where plugins are found, in order (app/start-rosey.ts): also for those started later. */
  pluginRoots?: string[];
  console?: {
    input: NodeJS.ReadableStream;
    output: NodeJS.WritableStream;
    interactive: boolean;
    stopOnEof: boolean;
  };
  runtime: RuntimeInfo;
  /** Reload a plugin when its files change (`rosey dev --watch`). */
  watch?: boolean;
  /** How `!admin enable|disable` find and record plugins; without it, `!admin enable` is refused. */
  adminSwitches?: PluginSwitches;
  /** The configuration as loaded (its file, for scheduled backups); else `config` and `dataDir`. */
  loaded?: LoadedConfig;
  /**
   * Without the inspect actor (`rosey inspect`): the benchmarks' baseline. Default: on, unless the
   * environment has `ROSEY_INSPECT=off` (how `npm run bench -- inspect` starts its baseline Rosey).
   */
  inspect?: boolean;
}

/**
 * Rosey's supervision tree (docs/supervision.md explains its shape):
 *
 *   rosey (one_for_one)
 *   ├─ telemetry (only with tracing on): the tracer, flushed last (docs/tracing.md)
 *   ├─ inspect: what every actor does, for `rosey inspect` (first, so it sees every start)
 *   ├─ infra (rest_for_one): nats-server (embedded only), bus
 *   ├─ data (one_for_one, restarted with backoff): storage, migrator
 *   ├─ services (one_for_one): plugin-manager (list, info, blue-green reloads), action-gate
 *   │    (what plugins do on their own, checked against their grants), router, control, cluster
 *   │    (this node on the NATS cluster, with `node.name`: docs/guides/SCALING.md), admin
 *   │    (`!admin` in chat), metrics, memory-release (a collection once quiet after a busy spell),
 *   │    http (when enabled), dashboard (with http, unless `http.dashboard: false`), backup-scheduler
 *   │    (when `backup.every` is set)
 *   ├─ plugins (dynamic one_for_one): one supervisor per plugin (rest_for_one) → its pending
 *   │    migrations (when it has any), then its process host
 *   └─ connectors (one_for_one): console (when enabled), cytube (when configured)
 */
/** This node's name in a cluster: `node.name`, else the host's. */
function nodeName(config: RoseyConfig): string {
  return config.node.name ?? defaultNodeName(hostname());
}

export function roseyTree(options: RoseyTreeOptions): Omit<SupervisorInput, 'root'> {
  // What the components tell the metrics actor: one per tree, like the bus link.
  const o = { ...options, tally: new Tally() };
  const { config, logger } = o;
  const users = o.nats.embedded?.users;
  // Where the HTTP actor finds the metrics actor's store: one per tree, like the bus link.
  const metrics = new MetricsLink();
  // Where the HTTP actor finds the dashboard's hub for its WebSocket upgrades.
  const dashboard = config.http.enabled && config.http.dashboard ? new DashboardLink() : undefined;
  // Only what the bus itself needs: nothing a plugin's request reaches can make it restart.
  const infra: ChildSpec[] = [
    ...(o.nats.embedded
      ? [
          natsServerSpec(o, {
            port: o.nats.embedded.port,
            binary: o.nats.embedded.binary,
            users: o.nats.embedded.users,
            dir: o.dataDir,
          }),
        ]
      : []),
    busSpec(o, o.nats),
  ];

  const services: ChildSpec[] = [
    // Before the router: a restarted router asks it for the routes pinned by reloads.
    pluginManagerSpec(o, {
      rootSystemId: ROOT_SYSTEM_ID,
      plugins: o.plugins,
      hostSpec: (plugin, generation, options) => pluginHostSpec(plugin, o, generation, options),
      hasMigrations,
      timing: config.plugins.reload,
      grants: (plugin) => pluginGrants(plugin, config),
      pluginSpec: (plugin, generation) => pluginSpec(plugin, o, generation),
      // With an external server the operator sets up plugin users (docs/nats.md): nothing to do.
      access: async (plugin) => {
        users?.grant(plugin.manifest.name, pluginGrants(plugin, config).granted);
        await users?.apply();
      },
      release: async (plugin) => {
        users?.revoke(plugin);
        await users?.apply();
      },
    }),
    // The channel the operator configured comes first: plugins' own lines go there by default.
    actionGateSpec(o, [
      ...(config.platforms.cytube ? [CYTUBE_PLATFORM] : []),
      ...(o.console ? [CONSOLE_PLATFORM] : []),
      // `rosey chat` sessions: last, so plugins' own lines go there only when nothing else runs.
      CHAT_CLIENT_PLATFORM,
    ]),
    routerSpec(o, config, { plugins: o.plugins, dataDir: o.dataDir }),
    controlSpec(o, o.dataDir, o.runtime),
    ...(config.cluster.urls !== undefined
      ? [
          clusterSpec(
            o,
            nodeName(config),
            { ...config.cluster, urls: config.cluster.urls },
            o.runtime,
            config.bot.commandPrefix,
          ),
        ]
      : []),
    adminSpec(o, config, o.adminSwitches),
    ...(o.watch ? [pluginWatcherSpec(o, o.plugins)] : []),
    memoryReleaseSpec(o),
    // Last among the services: it observes the others and nothing waits for it.
    metricsSpec(o, metrics, config, o.plugins),
    ...(config.http.enabled ? [httpSpec(o, metrics, config.http, dashboard)] : []),
    ...(dashboard
      ? [
          dashboardSpec(
            o,
            { dashboard, metrics },
            config.http,
            config.log.file ? join(o.dataDir, config.log.file) : undefined,
          ),
        ]
      : []),
    ...(config.backup.every
      ? [
          backupSchedulerSpec(o, {
            loaded: o.loaded ?? { config, dataDir: o.dataDir, baseDir: process.cwd() },
            pluginRoots: o.pluginRoots ?? [installedPluginsDir(o.dataDir)],
            everyMs: everyMs(config.backup.every),
            keep: config.backup.keep,
          }),
        ]
      : []),
  ];

  const connectors: ChildSpec[] = [
    ...(o.console ? [consoleSpec(o, config, o.console)] : []),
    ...(config.platforms.cytube
      ? [
          // A node of a cluster runs the channel's connector only while it holds the channel's lease.
          config.cluster.urls !== undefined && o.database.kind === 'postgresql'
            ? leasedCytubeSpec(o, config.bot, config.platforms.cytube, {
                databaseUrl: o.database.url,
                node: nodeName(config),
              })
            : cytubeSpec(o, config.bot, config.platforms.cytube),
        ]
      : []),
  ];

  const traces = otlpTracesUrl(config);
  return {
    name: 'rosey',
    strategy: 'one_for_one',
    intensity: 3,
    period: 60,
    logger,
    children: [
      ...(traces ? [telemetrySpec(o, traces, traceSampleRatio(config))] : []),
      ...((o.inspect ?? process.env.ROSEY_INSPECT !== 'off') === false
        ? []
        : [inspectSpec(o, [...configSecrets(config), o.nats.token, o.nats.pass, users?.rosey.password])]),
      supervisorSpec('infra', {
        strategy: 'rest_for_one',
        intensity: 5,
        period: 30,
        logger,
        children: infra,
      }),
      // After the bus (its bridges follow the bus link through a bus restart, so a sibling will do),
      // before the services and plugins that use it.
      dataSpec(o, o.database, {
        migrationDirs: new Map(o.plugins.map((p) => [p.manifest.name, migrationsDir(p)])),
        pluginRoots: o.pluginRoots ?? [installedPluginsDir(o.dataDir)],
      }),
      supervisorSpec('services', {
        strategy: 'one_for_one',
        intensity: 5,
        period: 30,
        logger,
        children: services,
      }),
      pluginsSpec(o.plugins, o),
      supervisorSpec('connectors', {
        strategy: 'one_for_one',
        intensity: 5,
        period: 30,
        logger,
        children: connectors,
      }),
    ],
  };
}
