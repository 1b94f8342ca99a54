import { accessSync, constants, existsSync, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatBytes } from '../../plugin-packages/package-limits.js';
import { failed, ok, warn, type CheckResult } from './doctor-check.js';

/** Below this, SQLite, logs and backups soon fail: Rosey stops writing cleanly rather than half-way. */
const TOO_LITTLE = 100 * 1024 * 1024;
const LOW = 1024 * 1024 * 1024;

/** The data directory (or the folder it will be made in) is writable, with room to grow. */
export function checkDataDir(dataDir: string): CheckResult {
  // Before the first start the folder does not exist: what matters is that it can be made.
  let folder = dataDir;
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  if (!statSync(folder).isDirectory())
    return failed(
      'data directory',
      `${folder} is not a directory`,
      `set dataDir to a folder (now ${dataDir})`,
    );
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch {
    return failed(
      'data directory',
      `${folder} is not writable by this user`,
      `chown or chmod ${folder}, or set dataDir`,
    );
  }
  const fs = statfsSync(folder);
  const free = fs.bavail * fs.bsize;
  const where = folder === dataDir ? dataDir : `${dataDir} (to be created in ${folder})`;
  if (free < TOO_LITTLE)
    return failed(
      'data directory',
      `${where}: only ${formatBytes(free)} free`,
      'free disk space, or move dataDir',
    );
  if (free < LOW)
    return warn(
      'data directory',
      `${where}: ${formatBytes(free)} free`,
      'free disk space before the database and logs fill it',
    );
  return ok('data directory', `${where}, ${formatBytes(free)} free`);
}
