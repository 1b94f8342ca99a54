import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { BusLink } from '../../actors/bus/bus-link.js';
import type { NatsEndpoint } from '../../actors/bus/connect.js';
import type { DatabaseTarget } from '../../actors/database/target.js';
import { Tally } from '../../actors/tally/tally.js';
import type { PluginHostInput } from '../../actors/plugin-host/plugin-host.machine.js';
import type { ReloadTiming } from '../../actors/plugin-manager/blue-green.machine.js';
import {
  actionGateSpec,
  busSpec,
  hasMigrations,
  migrationsDir,
  migratorSpec,
  pluginHostSpec,
  pluginManagerSpec,
  pluginSpec,
  pluginsSpec,
  routerSpec,
  storageSpec,
  type PluginWiring,
  type Wiring,
} from '../../app/child-specs.js';
import { parseConfig } from '../../app/config/load.js';
import type { RoseyConfigInput } from '../../app/config/schema.js';
import { pluginGrants } from '../../contract/capabilities.js';
import { quietLogger, type Logger } from '../../contract/log.js';
import { loadPlugin, type LoadedPlugin } from '../../plugin-packages/manifest.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { runTree } from '../../supervisors/run-tree.js';
import type { NatsConnection } from '../../contract/nats.js';
import { routerCommandsReplySchema } from '../../contract/messages/router.js';
import { request } from '../../contract/request.js';
import { subjects } from '../../contract/subjects.js';
import { eventually, tempDir } from './nats.js';

export const FIXTURE_PLUGINS = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

/**
 * Rosey's bus, router and plugins branches (no console, no control), around real plugin processes,
 * built from the application's own child specs (app/child-specs.ts) in one rest_for_one tree.
 */
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
  pluginNats?: PluginWiring['pluginNats'];
  /** How Rosey connects; default: `url` without credentials. */
  nats?: NatsEndpoint;
  /** Run the plugin manager (`rosey.control.plugin.*`, blue-green reloads) with these timings. */
  reload?: Partial<ReloadTiming>;
  /**
   * Platform connectors (and other children), started last (after the plugins), each given the
   * tree's link and its wiring (the same tally as the router's and storage's).
   */
  connectors?: Array<(link: BusLink, wiring: Wiring) => ChildSpec>;
  /** Run the action gate (plugins' own actions) for these platforms; needs `reload` (the manager holds the grants). */
  actionPlatforms?: string[];
}) {
  const link = new BusLink();
  const logger = options.logger ?? quietLogger;
  const config = parseConfig({ router: { commandTimeoutMs: 1000, defaultCooldownMs: 0 }, ...options.config });
  const nats = options.nats ?? { url: options.url };
  const wiring: PluginWiring = {
    config,
    link,
    logger,
    tally: new Tally(),
    pluginNats: options.pluginNats ?? (() => ({ endpoint: nats })),
    host: options.host,
  };
  const loaded = options.plugins.map((name) =>
    loadPlugin(options.dirs?.[name] ?? `${FIXTURE_PLUGINS}${name}`),
  );
  const database = options.database ?? {
    kind: 'sqlite' as const,
    file: join(tempDir('rosey-db-'), 'rosey.db'),
  };
  const children: ChildSpec[] = [
    busSpec(wiring, nats),
    storageSpec(wiring, database),
    migratorSpec(wiring, database, {
      migrationDirs: new Map(loaded.map((p) => [p.manifest.name, migrationsDir(p)])),
    }),
    ...(options.reload
      ? [
          pluginManagerSpec(wiring, {
            rootSystemId: 'root',
            plugins: loaded,
            hostSpec: (plugin, generation, options) => pluginHostSpec(plugin, wiring, generation, options),
            hasMigrations,
            timing: options.reload,
            grants: (plugin) => pluginGrants(plugin, config),
            pluginSpec: (plugin: LoadedPlugin, generation: number) => pluginSpec(plugin, wiring, generation),
            access: () => Promise.resolve(),
            release: () => Promise.resolve(),
          }),
        ]
      : []),
    ...(options.actionPlatforms ? [actionGateSpec(wiring, options.actionPlatforms)] : []),
    routerSpec(wiring, { ...config, bot: { ...config.bot, name: 'Rosey', commandPrefix: '!' } }),
    pluginsSpec(loaded, wiring),
    ...(options.connectors ?? []).map((spec) => spec(link, wiring)),
  ];
  const tree = await runTree({ name: 'mini', strategy: 'rest_for_one', children, logger });
  const plugins = () => {
    const snapshot = tree.actor.getSnapshot();
    const ref = (snapshot.children as Record<string, { getSnapshot(): { context: unknown } }>)[
      snapshot.context.records.plugins!.actorId!
    ]!;
    return ref.getSnapshot().context as {
      records: Record<
        string,
        { status: string; restarts: number; lastExit?: { reason: unknown; failure?: string } }
      >;
    };
  };
  // A plugin's host is up once the plugin announced, but the router hears of it through the host's
  // relay a hop later: a command sent before that got "Unknown command" (seen in CI under load).
  const running = loaded
    .map((p) => p.manifest.name)
    .filter((n) => plugins().records[n]?.status === 'running');
  if (link.connection && running.length > 0) await untilRouted(link.connection, ...running);
  return { tree, link, tally: wiring.tally, plugins, database };
}

/**
 * Resolves once the router routes commands to every plugin named. A started tree is not enough:
 * the router learns of a plugin through its host's relay, a hop later, and a command sent before
 * that is answered "Unknown command" (a mini-Rosey's router is not told what is installed).
 */
export function untilRouted(nc: NatsConnection, ...plugins: string[]): Promise<true> {
  return eventually(
    async () => {
      const r = await request(
        nc,
        subjects.routerCommands,
        {},
        { timeoutMs: 1000, reply: routerCommandsReplySchema },
      );
      return r.ok && plugins.every((p) => r.data.plugins.some((row) => row.plugin === p && row.available));
    },
    `the router routing ${plugins.join(', ')}`,
    20_000,
  );
}
