import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BusLink } from '../bus/bus-link.js';
import { redactUrl } from '../bus/connect.js';
import type { LoadedConfig } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import { discoverPlugins, type LoadedPlugin } from '../plugins/manifest.js';
import { findFreePort } from '../process/free-port.js';
import { roseyTree } from '../../supervisors/tree.js';
import { startTree, type RunningTree } from '../../supervisors/run-tree.js';
import { readRuntimeFile, type RuntimeInfo } from './runtime-file.js';
import { ROSEY_VERSION } from './version.js';
import { isAbsolute, resolve } from 'node:path';

/** The plugins that ship with Rosey (compiled next to this file). */
export const BUILTIN_PLUGINS_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));

export interface StartOptions {
  loaded: LoadedConfig;
  logger: Logger;
  console?: {
    input: NodeJS.ReadableStream;
    output: NodeJS.WritableStream;
    interactive: boolean;
    stopOnEof: boolean;
  };
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

/** Finds the plugins to run: built-ins, then the configured folders, minus the disabled ones. */
export function pluginsToRun(loaded: LoadedConfig): { plugins: LoadedPlugin[]; problems: string[] } {
  const { config, baseDir } = loaded;
  const roots = [
    ...(config.plugins.builtin ? [BUILTIN_PLUGINS_DIR] : []),
    ...config.plugins.paths.map((p) => (isAbsolute(p) ? p : resolve(baseDir, p))),
  ];
  const found = discoverPlugins(roots);
  const disabled = new Set(config.plugins.disabled);
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

  const embedded = config.nats.url === undefined;
  const port = embedded ? await findFreePort() : undefined;
  const nats = embedded
    ? {
        url: `nats://127.0.0.1:${port}`,
        token: randomBytes(24).toString('base64url'),
        embedded: { port: port!, binary: config.nats.binary },
      }
    : { url: config.nats.url!, token: config.nats.token };

  const runtime: RuntimeInfo = {
    pid: process.pid,
    version: ROSEY_VERSION,
    natsUrl: nats.url,
    natsToken: nats.token,
    startedAt: new Date().toISOString(),
  };
  const link = new BusLink();
  logger.info(`starting Rosey ${ROSEY_VERSION}`, {
    nats: embedded ? 'embedded' : redactUrl(nats.url),
    dataDir,
    plugins: plugins.map((p) => p.manifest.name).join(',') || 'none',
  });
  options.onStarting?.();
  const tree = startTree(
    roseyTree({ config, dataDir, link, logger, nats, plugins, console: options.console, runtime }),
  );
  options.onTree?.(tree);
  await tree.ready;
  logger.info('Rosey is up');
  return { tree, link, runtime, plugins, problems };
}
