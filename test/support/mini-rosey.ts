import { fileURLToPath } from 'node:url';
import { actionGateMachine, type ActionGateInput } from '../../actors/action-gate/action-gate.machine.js';
import { pluginGrants } from '../../contract/capabilities.js';
import { busMachine } from '../../actors/bus/bus.machine.js';
import type { PluginHostInput } from '../../actors/plugin-host/plugin-host.machine.js';
import { routerMachine } from '../../actors/router/router.machine.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { parseConfig } from '../../app/config/load.js';
import type { RoseyConfigInput } from '../../app/config/schema.js';
import { quietLogger, type Logger } from '../../contract/log.js';
import { loadPlugin, type LoadedPlugin } from '../../plugin-packages/manifest.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { runTree } from '../../supervisors/run-tree.js';
import type { SupervisorInput } from '../../supervisors/supervisor.machine.js';
import {
  hasMigrations,
  migrationsDir,
  pluginHostSpec,
  pluginSpec,
  type RoseyTreeOptions,
} from '../../app/tree.js';
import { pluginHostMachine } from '../../actors/plugin-host/plugin-host.machine.js';
import {
  pluginManagerMachine,
  type PluginManagerInput,
} from '../../actors/plugin-manager/plugin-manager.machine.js';
import type { ReloadTiming } from '../../actors/plugin-manager/blue-green.machine.js';
import { join } from 'node:path';
import { migratorMachine } from '../../actors/migrator/migrator.machine.js';
import { storageMachine } from '../../actors/storage/storage.machine.js';
import type { NatsEndpoint } from '../../actors/bus/connect.js';
import type { DatabaseTarget } from '../../actors/database/target.js';
import { tempDir } from './nats.js';

export const FIXTURE_PLUGINS = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

/** Rosey's bus, router and plugins branches (no console, no control), around real plugin processes. */
export async function startMiniRosey(options: {
  url: string;
  plugins: string[];
  config?: RoseyConfigInput;
  logger?: Logger;
  host?: Partial<PluginHostInput>;
  dirs?: Record<string, string>;
  /** Default: a fresh SQLite file. */
  database?: DatabaseTarget;
  /** How plugin processes connect; default: like Rosey. */
  pluginNats?: RoseyTreeOptions['pluginNats'];
  /** How Rosey connects; default: `url` without credentials. */
  nats?: NatsEndpoint;
  /** Run the plugin manager (`rosey.control.plugin.*`, blue-green reloads) with these timings. */
  reload?: Partial<ReloadTiming>;
  /** Platform connectors, started last (after the plugins), each given the tree's link. */
  connectors?: Array<(link: BusLink) => ChildSpec>;
  /** Run the action gate (plugins' own actions) for these platforms; needs `reload` (the manager holds the grants). */
  actionPlatforms?: string[];
}) {
  const link = new BusLink();
  const logger = options.logger ?? quietLogger;
  const config = parseConfig({ router: { commandTimeoutMs: 1000, defaultCooldownMs: 0 }, ...options.config });
  const nats = options.nats ?? { url: options.url };
  const treeOptions = {
    config,
    link,
    logger,
    pluginNats: options.pluginNats ?? (() => ({ endpoint: nats })),
  };
  const loaded = options.plugins.map((name) =>
    loadPlugin(options.dirs?.[name] ?? `${FIXTURE_PLUGINS}${name}`),
  );
  const database = options.database ?? {
    kind: 'sqlite' as const,
    file: join(tempDir('rosey-db-'), 'rosey.db'),
  };
  const withHost = (host: ChildSpec): ChildSpec =>
    options.host ? { ...host, input: { ...(host.input as PluginHostInput), ...options.host } } : host;
  const specOf = (plugin: LoadedPlugin, generation = 1) => {
    const spec = pluginSpec(plugin, treeOptions, generation);
    const sup = spec.input as SupervisorInput;
    sup.children = sup.children!.map((c) => (c.logic === pluginHostMachine ? withHost(c) : c));
    return spec;
  };
  const specs = loaded.map((plugin) => specOf(plugin));
  const manager: ChildSpec[] = options.reload
    ? [
        {
          id: 'plugin-manager',
          logic: pluginManagerMachine,
          input: {
            link,
            logger,
            rootSystemId: 'root',
            plugins: loaded,
            hostSpec: (plugin, generation) => withHost(pluginHostSpec(plugin, treeOptions, generation)),
            hasMigrations,
            timing: options.reload,
            grants: (plugin) => pluginGrants(plugin, config),
            pluginSpec: specOf,
            access: () => Promise.resolve(),
            release: () => Promise.resolve(),
          } satisfies PluginManagerInput,
        },
      ]
    : [];
  const gate: ChildSpec[] = options.actionPlatforms
    ? [
        {
          id: 'action-gate',
          logic: actionGateMachine,
          input: { link, logger, platforms: options.actionPlatforms } satisfies ActionGateInput,
        },
      ]
    : [];
  const children: ChildSpec[] = [
    { id: 'bus', logic: busMachine, input: { endpoint: nats, link, logger } },
    { id: 'storage', logic: storageMachine, input: { link, logger, target: database } },
    {
      id: 'migrator',
      logic: migratorMachine,
      input: {
        link,
        logger,
        target: database,
        migrationDirs: new Map(loaded.map((p) => [p.manifest.name, migrationsDir(p)])),
      },
    },
    ...manager,
    ...gate,
    {
      id: 'router',
      logic: routerMachine,
      input: {
        link,
        logger,
        botName: 'Rosey',
        prefix: '!',
        commandTimeoutMs: config.router.commandTimeoutMs,
        defaultCooldownMs: 0,
      },
    },
    {
      id: 'plugins',
      type: 'supervisor',
      logic: (await import('../../supervisors/supervisor.machine.js')).supervisorMachine,
      input: { name: 'plugins', strategy: 'one_for_one', dynamic: true, children: specs, logger },
    },
    ...(options.connectors ?? []).map((spec) => spec(link)),
  ];
  const tree = await runTree({ name: 'mini', strategy: 'rest_for_one', children, logger });
  const plugins = () => {
    const snapshot = tree.actor.getSnapshot();
    const ref = (snapshot.children as Record<string, { getSnapshot(): { context: unknown } }>)[
      snapshot.context.records.plugins!.actorId!
    ]!;
    return ref.getSnapshot().context as {
      records: Record<string, { status: string; restarts: number; lastExit?: { reason: unknown } }>;
    };
  };
  return { tree, link, plugins, database };
}
