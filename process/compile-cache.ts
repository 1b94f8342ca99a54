import nodeModule from 'node:module';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * V8's code cache on disk for the modules a process loads (Node ≥ 22.1; a no-op on Node 20): a
 * process that loads the same files again skips parsing and compiling them. Each of Rosey's processes
 * (the CLI with Rosey in it, every plugin process) loads the same few hundred files at every start.
 *
 * Node's default directory, `$TMPDIR/node-compile-cache`, is shared by every user of a machine with a
 * world-writable /tmp: whoever creates it first owns it, and bytecode planted there would run in the
 * next user's process. Rosey uses its own directory per user, `$TMPDIR/rosey-compile-cache-<uid>`, made
 * 0700 and used only while it is a real directory owned by the user that nobody else can write to.
 * `NODE_COMPILE_CACHE` still chooses another directory and `NODE_DISABLE_COMPILE_CACHE=1` turns it
 * off, as for any Node program. Nothing here throws: without a cache Rosey starts as before.
 */

/** The parts of `node:module` this uses, absent before Node 22.1 (and from @types/node 20). */
export interface CompileCacheApi {
  enableCompileCache?: (directory?: string) => { status: number; message?: string; directory?: string };
}

export interface CompileCacheOptions {
  api?: CompileCacheApi;
  env?: NodeJS.ProcessEnv;
  tmpDir?: string;
  uid?: number;
}

/** Whether the cache was turned on, and where; else why not (for a debug line, never an error). */
export type CompileCacheOutcome = { enabled: true; directory: string } | { enabled: false; reason: string };

const api = nodeModule as CompileCacheApi;

/**
 * The directory this process's cache was enabled with (Node's `getCompileCacheDir()` answers the
 * subdirectory of this Node version instead, which a child would nest another one in).
 */
let enabledDirectory: string | undefined;

/** The per-user directory, if it is safe to read code from: Rosey's own, private to this user. */
function privateDirectory(parent: string, uid: number): { directory: string } | { reason: string } {
  const directory = join(parent, `rosey-compile-cache-${uid}`);
  try {
    mkdirSync(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return { reason: `cannot create ${directory}` };
  }
  try {
    const stat = lstatSync(directory);
    if (!stat.isDirectory()) return { reason: `${directory} is not a directory` };
    if (stat.uid !== uid) return { reason: `${directory} belongs to another user` };
    if ((stat.mode & 0o022) !== 0) return { reason: `${directory} is writable by other users` };
  } catch {
    return { reason: `cannot read ${directory}` };
  }
  return { directory };
}

/** Turns the compile cache on for this process, when Node has one and a safe directory is at hand. */
export function enableCompileCache(options: CompileCacheOptions = {}): CompileCacheOutcome {
  const cache = options.api ?? api;
  const env = options.env ?? process.env;
  if (typeof cache.enableCompileCache !== 'function') return { enabled: false, reason: 'Node < 22.1' };
  if (env.NODE_DISABLE_COMPILE_CACHE) return { enabled: false, reason: 'NODE_DISABLE_COMPILE_CACHE' };
  let directory = env.NODE_COMPILE_CACHE;
  if (!directory) {
    const uid = options.uid ?? process.getuid?.();
    if (uid === undefined) return { enabled: false, reason: 'no user id on this platform' };
    const found = privateDirectory(options.tmpDir ?? tmpdir(), uid);
    if ('reason' in found) return { enabled: false, reason: found.reason };
    directory = found.directory;
  }
  try {
    const result = cache.enableCompileCache(directory);
    if (!result.directory) return { enabled: false, reason: result.message ?? `status ${result.status}` };
    if (!options.api) enabledDirectory = result.directory;
    return { enabled: true, directory: result.directory };
  } catch (error) {
    return { enabled: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * What a child Node process (a plugin process) needs in its environment to use this process's cache
 * from its first module on: nothing when this process has none.
 */
export function compileCacheEnv(directory = enabledDirectory): Record<string, string> {
  return directory ? { NODE_COMPILE_CACHE: directory } : {};
}
