import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { busMachine } from '../actors/bus/bus.machine.js';
import { migratorMachine } from '../actors/migrator/migrator.machine.js';
import { pluginMigrationsMachine } from '../actors/migrator/plugin-migrations.machine.js';
import { storageMachine } from '../actors/storage/storage.machine.js';
import type { PluginUsers } from '../actors/nats-server/plugin-users.js';
import type { DatabaseTarget } from '../actors/database/target.js';
import { actionGateMachine, type ActionGateInput } from '../actors/action-gate/action-gate.machine.js';
import { CONSOLE_PLATFORM, consoleMachine } from '../actors/console/console.machine.js';
import { CYTUBE_PLATFORM } from '../actors/cytube/platform.js';
import { cytubeMachine, type CytubeInput } from '../actors/cytube/cytube.machine.js';
import { controlMachine } from '../actors/control/control.machine.js';
import { natsServerActor } from '../actors/nats-server/nats-server.actor.js';
import { pluginHostMachine } from '../actors/plugin-host/plugin-host.machine.js';
import {
  pluginManagerMachine,
  type PluginManagerInput,
} from '../actors/plugin-manager/plugin-manager.machine.js';
import { routerMachine } from '../actors/router/router.machine.js';
import {
  pluginWatcherMachine,
  type PluginWatcherInput,
} from '../actors/plugin-watcher/plugin-watcher.machine.js';
import type { BusLink } from '../actors/bus/bus-link.js';
import type { NatsEndpoint } from '../actors/bus/connect.js';
import type { RoseyConfig } from './config/schema.js';
import type { Logger } from '../contract/log.js';
import { pluginGrants } from '../contract/capabilities.js';
import type { LoadedPlugin } from '../plugin-packages/manifest.js';
import { installedPluginsDir } from '../plugin-packages/plugin-switches.js';
import type { RuntimeInfo } from '../actors/control/runtime-file.js';
import type { ChildSpec } from '../supervisors/child-spec.js';
import { supervisorMachine, type SupervisorInput } from '../supervisors/supervisor.machine.js';

export const ROOT_SYSTEM_ID = 'root';

export interface RoseyTreeOptions {
  config: RoseyConfig;
  dataDir: string;
  link: BusLink;
  logger: Logger;
  /** Rosey's own connection; `embedded` when Rosey runs the server (with these users). */
  nats: NatsEndpoint & { embedded?: { port: number; binary: string; users: PluginUsers } };
  /** How each plugin process connects (its own user, where there is one). */
  pluginNats: (plugin: string) => { endpoint: NatsEndpoint; inboxPrefix?: string };
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
}

const PLUGIN_STOP_GRACE_MS = 4000;

/** Whether a plugin has migration files: any case of `.sql`, as the loader reads (and refuses) them. */
export function hasMigrations(plugin: LoadedPlugin): boolean {
  const dir = migrationsDir(plugin);
  return existsSync(dir) && readdirSync(dir).some((f) => f.toLowerCase().endsWith('.sql'));
}
const PLUGIN_READY_TIMEOUT_MS = 10_000;

const supervisor = (
  id: string,
  input: Omit<SupervisorInput, 'name'>,
  logger: Logger,
  extra: Partial<ChildSpec> = {},
): ChildSpec => ({
  ...extra,
  id,
  type: 'supervisor',
  logic: supervisorMachine,
  input: { name: id, logger, ...input },
});

/** The folder with a plugin's SQL migrations. */
export const migrationsDir = (plugin: LoadedPlugin) => join(plugin.dir, 'migrations');

type PluginSpecOptions = Pick<RoseyTreeOptions, 'config' | 'logger' | 'link' | 'pluginNats'>;

/** The host of one generation of a plugin: child `<name>@<generation>` of the plugin's supervisor. */
export function pluginHostSpec(plugin: LoadedPlugin, o: PluginSpecOptions, generation: number): ChildSpec {
  const { manifest } = plugin;
  const settings = o.config.plugins.settings[manifest.name];
  const connection = o.pluginNats(manifest.name);
  return {
    id: `${manifest.name}@${generation}`,
    logic: pluginHostMachine,
    restart: manifest.restart,
    shutdown: PLUGIN_STOP_GRACE_MS + 1000,
    startTimeoutMs: PLUGIN_READY_TIMEOUT_MS + 2000,
    backoff: manifest.supervision.backoff,
    input: {
      plugin: {
        name: manifest.name,
        version: manifest.version,
        entry: plugin.entry,
        memoryMb: settings?.memoryMb ?? manifest.memoryMb,
        config: settings?.config ?? {},
      },
      generation,
      nats: connection.endpoint,
      inboxPrefix: connection.inboxPrefix,
      link: o.link,
      logger: o.logger.child(`plugin:${manifest.name}`),
      readyTimeoutMs: PLUGIN_READY_TIMEOUT_MS,
      stopGraceMs: PLUGIN_STOP_GRACE_MS,
    },
  };
}

/**
 * One plugin: its own supervisor (marked failed when it gives up) around, in order, the step that
 * applies its pending migrations (when it has any) and its process host. A blue-green reload adds
 * the next generation's host beside the current one, then removes the one it replaced.
 */
export function pluginSpec(plugin: LoadedPlugin, o: PluginSpecOptions, generation = 1): ChildSpec {
  const { manifest } = plugin;
  const settings = o.config.plugins.settings[manifest.name];
  const log = o.logger.child(`plugin:${manifest.name}`);
  const migrations: ChildSpec[] = hasMigrations(plugin)
    ? [
        {
          id: 'migrations',
          logic: pluginMigrationsMachine,
          shutdown: 'brutal_kill',
          startTimeoutMs: 'infinity',
          input: { plugin: manifest.name, link: o.link, logger: log },
        },
      ]
    : [];
  return supervisor(
    manifest.name,
    {
      // The process needs its migrations: if they had to be redone, so would the process.
      strategy: 'rest_for_one',
      intensity: settings?.intensity ?? manifest.supervision.intensity,
      period: settings?.period ?? manifest.supervision.period,
      logger: o.logger.child('plugins'),
      children: [...migrations, pluginHostSpec(plugin, o, generation)],
    },
    o.logger,
    // A plugin that keeps crashing stays down, marked failed; the rest of Rosey carries on.
    { restart: 'temporary' },
  );
}

/**
 * Rosey's supervision tree (docs/architecture.md):
 *
 *   rosey (one_for_one)
 *   ├─ infra (rest_for_one): nats-server (embedded only), bus, storage, migrator
 *   ├─ services (one_for_one): plugin-manager (list, info, blue-green reloads), action-gate
 *   │    (what plugins do on their own, checked against their grants), router, control
 *   ├─ plugins (dynamic one_for_one): one supervisor per plugin (rest_for_one) → its pending
 *   │    migrations (when it has any), then its process host
 *   └─ connectors (one_for_one): console (when enabled), cytube (when configured)
 */
export function roseyTree(o: RoseyTreeOptions): Omit<SupervisorInput, 'root'> {
  const { config, logger, link } = o;
  const infra: ChildSpec[] = [];
  if (o.nats.embedded) {
    infra.push({
      id: 'nats-server',
      logic: natsServerActor,
      input: {
        port: o.nats.embedded.port,
        users: o.nats.embedded.users,
        dir: o.dataDir,
        binary: o.nats.embedded.binary,
        logger: logger.child('nats-server'),
        link,
      },
    });
  }
  infra.push({
    id: 'bus',
    logic: busMachine,
    input: {
      endpoint: { url: o.nats.url, token: o.nats.token, user: o.nats.user, pass: o.nats.pass },
      link,
      name: `rosey-${process.pid}`,
      logger: logger.child('bus'),
    },
  });
  infra.push({
    id: 'storage',
    logic: storageMachine,
    shutdown: 10_000,
    input: { link, logger: logger.child('storage'), target: o.database },
  });
  infra.push({
    id: 'migrator',
    logic: migratorMachine,
    shutdown: 'infinity',
    input: {
      link,
      logger: logger.child('migrator'),
      target: o.database,
      migrationDirs: new Map(o.plugins.map((p) => [p.manifest.name, migrationsDir(p)])),
      pluginRoots: o.pluginRoots ?? [installedPluginsDir(o.dataDir)],
    },
  });

  const services: ChildSpec[] = [
    {
      // Before the router: a restarted router asks it for the routes pinned by reloads.
      id: 'plugin-manager',
      logic: pluginManagerMachine,
      input: {
        link,
        logger: logger.child('plugins'),
        rootSystemId: ROOT_SYSTEM_ID,
        plugins: o.plugins,
        hostSpec: (plugin, generation) => pluginHostSpec(plugin, o, generation),
        hasMigrations,
        timing: config.plugins.reload,
        grants: (plugin) => pluginGrants(plugin, config),
        pluginSpec: (plugin, generation) => pluginSpec(plugin, o, generation),
        // With an external server the operator sets up plugin users (docs/nats.md): nothing to do.
        access: async (plugin) => {
          const users = o.nats.embedded?.users;
          users?.grant(plugin.manifest.name, pluginGrants(plugin, config).granted);
          await users?.apply();
        },
        release: async (plugin) => {
          const users = o.nats.embedded?.users;
          users?.revoke(plugin);
          await users?.apply();
        },
      } satisfies PluginManagerInput,
    },
    {
      id: 'action-gate',
      logic: actionGateMachine,
      input: {
        link,
        logger: logger.child('actions'),
        // The channel the operator configured comes first: plugins' own lines go there by default.
        platforms: [
          ...(config.platforms.cytube ? [CYTUBE_PLATFORM] : []),
          ...(o.console ? [CONSOLE_PLATFORM] : []),
        ],
      } satisfies ActionGateInput,
    },
    {
      id: 'router',
      logic: routerMachine,
      shutdown: config.router.commandTimeoutMs + 2000,
      input: {
        link,
        logger: logger.child('router'),
        botName: config.bot.name,
        prefix: config.bot.commandPrefix,
        commandTimeoutMs: config.router.commandTimeoutMs,
        defaultCooldownMs: config.router.defaultCooldownMs,
      },
    },
    {
      id: 'control',
      logic: controlMachine,
      input: {
        link,
        logger: logger.child('control'),
        dataDir: o.dataDir,
        runtime: o.runtime,
        rootSystemId: ROOT_SYSTEM_ID,
      },
    },
  ];

  if (o.watch) {
    services.push({
      id: 'plugin-watcher',
      logic: pluginWatcherMachine,
      input: {
        link,
        logger: logger.child('watch'),
        plugins: Object.fromEntries(o.plugins.map((p) => [p.manifest.name, p.dir])),
      } satisfies PluginWatcherInput,
    });
  }

  const connectors: ChildSpec[] = [];
  if (o.console) {
    connectors.push({
      id: 'console',
      logic: consoleMachine,
      shutdown: 2000,
      input: {
        link,
        logger: logger.child('console'),
        botName: config.bot.name,
        user: config.platforms.console.user,
        rank: config.platforms.console.rank,
        settleTimeoutMs: config.router.commandTimeoutMs + 2000,
        rootSystemId: ROOT_SYSTEM_ID,
        ...o.console,
      },
    });
  }

  const cytube = config.platforms.cytube;
  if (cytube) {
    connectors.push({
      id: 'cytube',
      logic: cytubeMachine,
      shutdown: 2000,
      input: {
        link,
        logger: logger.child('cytube'),
        server: cytube.server,
        channel: cytube.channel,
        channelPassword: cytube.channelPassword,
        username: cytube.username ?? config.bot.name,
        password: cytube.password,
        maxMessageLength: cytube.maxMessageLength,
        maxReplyParts: cytube.maxReplyParts,
        reconnect: { minMs: cytube.reconnect.minMs, maxMs: cytube.reconnect.maxMs, randomFactor: 0.3 },
      } satisfies CytubeInput,
    });
  }

  return {
    name: 'rosey',
    strategy: 'one_for_one',
    intensity: 3,
    period: 60,
    logger,
    children: [
      supervisor('infra', { strategy: 'rest_for_one', intensity: 5, period: 30, children: infra }, logger),
      supervisor(
        'services',
        { strategy: 'one_for_one', intensity: 5, period: 30, children: services },
        logger,
      ),
      supervisor(
        'plugins',
        { strategy: 'one_for_one', dynamic: true, children: o.plugins.map((p) => pluginSpec(p, o)) },
        logger,
      ),
      supervisor(
        'connectors',
        { strategy: 'one_for_one', intensity: 5, period: 30, children: connectors },
        logger,
      ),
    ],
  };
}
