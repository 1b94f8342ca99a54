import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRuntimeFile, RUNTIME_FILE } from '../../actors/control/runtime-file.js';
import { isAlive } from '../../process/is-alive.js';
import { STAGING_PREFIX } from '../../plugin-packages/verify-package.js';
import { installedPluginsDir } from '../../plugin-packages/plugin-switches.js';
import type { LoadedConfig } from '../config/load.js';
import { logFiles, logFilePath } from '../logging/log-reader.js';

/** Something `rosey clean` may remove, and why it is safe to. */
export interface Leftover {
  path: string;
  why: string;
  bytes: number;
}

/** A staging or replaced-plugin folder younger than this may belong to an install in progress. */
export const IN_USE_GRACE_MS = 60 * 60 * 1000;

/** Bytes under `path` (a file, or a folder and everything in it; links are not followed). */
export function sizeOf(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

const entry = (path: string, why: string): Leftover => ({ path, why, bytes: sizeOf(path) });

/**
 * What a Rosey that ended without cleaning up (kill -9, a crash, a full disk) or an interrupted
 * plugin install leaves in the data directory, and log files past `log.rotate.keep`. Nothing that
 * belongs to a running Rosey is listed: its runtime file, its nats-server configuration, files
 * named by a live pid, and install folders younger than an hour are kept.
 */
export function findLeftovers(loaded: LoadedConfig, now = Date.now()): Leftover[] {
  const { dataDir } = loaded;
  if (!existsSync(dataDir)) return [];
  const found: Leftover[] = [];
  const runtime = readRuntimeFile(dataDir);
  const running = runtime.kind === 'running' ? runtime.info : undefined;

  if (runtime.kind === 'stale')
    found.push(
      entry(join(dataDir, RUNTIME_FILE), `runtime file of pid ${runtime.info.pid}, which has exited`),
    );
  const pidfile = join(dataDir, 'rosey.pid');
  if (existsSync(pidfile)) {
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid))
      found.push(
        entry(
          pidfile,
          `pid file of ${Number.isInteger(pid) && pid > 0 ? `pid ${pid}, which has exited` : 'no valid pid'}`,
        ),
      );
  }

  const runningPort = running ? new URL(running.natsUrl).port : undefined;
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    // The embedded nats-server's configuration holds every plugin's credentials.
    const conf = /^nats-server-(\d+)\.conf$/.exec(name);
    if (conf && conf[1] !== runningPort)
      found.push(
        entry(path, 'configuration of an embedded nats-server that is not running (it holds credentials)'),
      );
    // Files written under a temporary name, then renamed: `<file>.<pid>.tmp`.
    const tmp = /\.(\d+)\.tmp$/.exec(name);
    if (tmp && !isAlive(Number(tmp[1])))
      found.push(entry(path, `half-written by pid ${tmp[1]}, which has exited`));
  }

  const plugins = installedPluginsDir(dataDir);
  if (existsSync(plugins)) {
    for (const name of readdirSync(plugins)) {
      if (!name.startsWith(STAGING_PREFIX) && !name.startsWith('.old-')) continue;
      const path = join(plugins, name);
      if (now - statSync(path).mtimeMs < IN_USE_GRACE_MS) continue;
      found.push(
        entry(
          path,
          name.startsWith('.old-')
            ? 'a replaced plugin version an install did not remove'
            : 'an unfinished plugin install',
        ),
      );
    }
  }

  const log = logFilePath(loaded);
  if (log) {
    const current = existsSync(log) ? realpathSync(log) : undefined;
    const files = logFiles(log).filter((f) => f !== current);
    const keep = loaded.config.log.rotate.keep;
    // pino-roll keeps `keep` files beside the one being written, and removes the rest only while
    // Rosey runs and rolls: a Rosey stopped for good, or one whose keep was lowered, leaves them.
    for (const file of files.slice(0, Math.max(0, files.length - keep)))
      found.push(entry(file, `log file past log.rotate.keep (${keep})`));
  }
  return found;
}
