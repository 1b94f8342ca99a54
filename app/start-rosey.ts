import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BusLink } from '../actors/bus/bus-link.js';
import { redactUrl } from '../actors/bus/connect.js';
import { natsAccess } from './nats-access.js';
import { describeTarget, resolveDatabase } from '../actors/database/target.js';
import type { LoadedConfig } from './config/load.js';
import type { Logger } from '../contract/log.js';
import { discoverPlugins, type LoadedPlugin } from '../plugin-packages/manifest.js';
import { installedPluginsDir, readDisabled } from '../plugin-packages/plugin-switches.js';
import { roseyTree } from './tree.js';
import { withoutUnwantedBuiltins } from './opt-in-builtins.js';
import { startTree, type RunningTree } from '../supervisors/run-tree.js';
import { readRuntimeFile, type RuntimeInfo } from '../actors/control/runtime-file.js';
import { ROSEY_VERSION } from './version.js';
import { isAbsolute, resolve } from 'node:path';

/** The plugins that ship with Rosey (compiled next to this file). */
export const BUILTIN_PLUGINS_DIR = fileURLToPath(new URL('../plugins/', import.meta.url));

export interface StartOptions {
  loaded: LoadedConfig;
  logger: Logger;
  console?: {
    input: NodeJS.ReadableStream;
    output: NodeJS.WritableStream;
    interactive: boolean;
    stopOnEof: boolean;
  };
  /** Reload a plugin (blue-green) when its files change (`rosey dev --watch`). */
  watch?: boolean;
  /** Called after the checks and plugin discovery, right before the tree starts. */
  onStarting?: () => void;
  /** Called with the tree as soon as it exists (before it is up), e.g. to stop it on a signal. */
  onTree?: (tree: RunningTree) => void;
}

export interface RunningRosey {
  tree: RunningTree;
  link: BusLink;
  runtime: RuntimeInfo;
  plugins: LoadedPlugin[];
  /** Problems found while loading plugins (each skipped). */
  problems: string[];
}

/** Folders of plugin folders, in order: installed plugins first (a newer version of a built-in one replaces it). */
export function pluginRoots(loaded: LoadedConfig): string[] {
  const { config, baseDir, dataDir } = loaded;
  return [
    installedPluginsDir(dataDir),
    ...config.plugins.paths.map((p) => (isAbsolute(p) ? p : resolve(baseDir, p))),
    ...(config.plugins.builtin ? [BUILTIN_PLUGINS_DIR] : []),
  ];
}

/**
 * Finds the plugins to run: installed ones, the configured folders, then the built-ins (a name found
 * twice keeps the first), minus those disabled in the config or with `rosey plugin disable`.
 */
export function pluginsToRun(
  loaded: LoadedConfig,
  options: { includeDisabled?: boolean } = {},
): { plugins: LoadedPlugin[]; problems: string[] } {
  const { config, dataDir } = loaded;
  const discovered = discoverPlugins(pluginRoots(loaded));
  const found = { ...discovered, plugins: withoutUnwantedBuiltins(discovered.plugins, config) };
  const disabled = new Set([...config.plugins.disabled, ...readDisabled(dataDir)]);
  if (options.includeDisabled) return found;
  return { plugins: found.plugins.filter((p) => !disabled.has(p.manifest.name)), problems: found.problems };
}

/**
 * Starts the whole tree and resolves once everything is up. Rejects with a one-line reason if
 * anything essential cannot start (after stopping what had started).
 */
export async function startRosey(options: StartOptions): Promise<RunningRosey> {
  const { loaded, logger } = options;
  const { config, dataDir } = loaded;
  mkdirSync(dataDir, { recursive: true });

  const existing = readRuntimeFile(dataDir);
  if (existing.kind === 'running' && existing.info.pid !== process.pid) {
    throw new Error(
      `Rosey is already running with data in ${dataDir} (pid ${existing.info.pid}); stop it with \`rosey stop\``,
    );
  }

  const { plugins, problems } = pluginsToRun(loaded);
  for (const problem of problems) logger.warn(`plugin skipped: ${problem}`);

  const { nats, pluginNats, warning } = await natsAccess(config, plugins);
  const database = resolveDatabase(config.database.url, dataDir);

  const runtime: RuntimeInfo = {
    pid: process.pid,
    version: ROSEY_VERSION,
    natsUrl: nats.url,
    natsToken: nats.token,
    natsUser: nats.user,
    natsPass: nats.pass,
    startedAt: new Date().toISOString(),
  };
  const link = new BusLink();
  logger.info(`starting Rosey ${ROSEY_VERSION}`, {
    nats: nats.embedded ? 'embedded' : redactUrl(nats.url),
    database: describeTarget(database),
    dataDir,
    plugins: plugins.map((p) => p.manifest.name).join(',') || 'none',
  });
  options.onStarting?.();
  const tree = startTree(
    roseyTree({
      config,
      dataDir,
      link,
      logger,
      nats,
      pluginNats,
      database,
      plugins,
      pluginRoots: pluginRoots(loaded),
      console: options.console,
      watch: options.watch,
      runtime,
      loaded,
    }),
  );
  options.onTree?.(tree);
  await tree.ready;
  logger.info('Rosey is up');
  if (warning) logger.warn(warning);
  return { tree, link, runtime, plugins, problems };
}
