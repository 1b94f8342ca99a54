/**
 * Builds a `.roseyplug` from a plugin folder: the folder's files (see plugin-files.ts for what is
 * left out) plus a CHECKSUMS file, as a gzip'd ustar archive (tar-stream) with the entries at its root.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadPlugin, type LoadedPlugin } from './manifest.js';
import { errorMessage } from '../contract/result.js';
import { CHECKSUMS_FILE, comparePaths, computeChecksums, serialiseChecksums } from './checksums.js';
import { DEFAULT_PACKAGE_LIMITS, formatBytes } from './package-limits.js';
import { asPackageError, PackageError } from './package-error.js';
import { quotePath } from './package-path.js';
import { listPluginFiles } from './plugin-files.js';
import { gzipPackage, packTar, type PackEntry } from './tar.js';

export const PACKAGE_EXTENSION = '.roseyplug';

export interface BuiltPackage {
  /** Absolute path of the written package. */
  file: string;
  name: string;
  version: string;
  /** Plugin files packed, CHECKSUMS not counted. */
  files: number;
  /** Size of the package file. */
  bytes: number;
  /** A package was at `file` already (a rebuild of the same version), and this one replaced it. */
  replaced: boolean;
}

/**
 * Validates the plugin folder `dir` with `loadPlugin`, then writes its package to `outFile`,
 * by default `<dir>/../<name>-<version>.roseyplug` (next to the folder, not inside it).
 *
 * The bytes depend only on the files' paths and contents: entries sorted by path, mtime and
 * uid/gid 0, mode 0644 for files and 0755 for folders, so building twice gives the same package.
 * A top-level CHECKSUMS in the folder (left by an install from a package) is ignored and written
 * afresh. Throws PackageError: BAD_MANIFEST, LINK (a symlink in the folder), UNSAFE_PATH,
 * TOO_LARGE (over the default limits the installer applies), IO_ERROR.
 */
export async function buildPackage(dir: string, outFile?: string): Promise<BuiltPackage> {
  try {
    return await build(dir, outFile);
  } catch (error) {
    throw asPackageError(error, 'IO_ERROR', `could not package ${dir}`);
  }
}

async function build(dir: string, outFile: string | undefined): Promise<BuiltPackage> {
  let plugin: LoadedPlugin;
  try {
    plugin = loadPlugin(dir);
  } catch (error) {
    throw new PackageError('BAD_MANIFEST', errorMessage(error), { cause: error });
  }
  const { name, version } = plugin.manifest;
  const limits = DEFAULT_PACKAGE_LIMITS;
  const { files, dirs } = await listPluginFiles(plugin.dir);
  if (dirs.includes(CHECKSUMS_FILE)) {
    throw new PackageError(
      'UNSAFE_PATH',
      `${dir} has a folder named ${CHECKSUMS_FILE}, a name packages reserve`,
    );
  }

  const contents = new Map<string, Buffer>();
  for (const path of files) {
    if (path === CHECKSUMS_FILE) continue;
    const data = await readFile(join(plugin.dir, path));
    if (data.length > limits.maxFileBytes) {
      throw new PackageError(
        'TOO_LARGE',
        `${quotePath(path)} in ${dir} is ${formatBytes(data.length)}, over the ${formatBytes(limits.maxFileBytes)} a package file may have`,
      );
    }
    contents.set(path, data);
  }
  const checksums = Buffer.from(serialiseChecksums(computeChecksums(contents)));
  const entries = [
    ...dirs.map((path): PackEntry => ({ path, type: 'directory' })),
    ...[...contents].map(([path, data]): PackEntry => ({ path, type: 'file', data })),
    { path: CHECKSUMS_FILE, type: 'file', data: checksums } satisfies PackEntry,
  ].sort((a, b) => comparePaths(a.path, b.path));
  if (entries.length > limits.maxEntries) {
    throw new PackageError('TOO_LARGE', `${dir} has ${entries.length} entries, over ${limits.maxEntries}`);
  }
  const tar = await packTar(entries);
  if (tar.length > limits.maxUnpackedBytes) {
    throw new PackageError(
      'TOO_LARGE',
      `${dir} packs to ${formatBytes(tar.length)} unpacked, over ${formatBytes(limits.maxUnpackedBytes)}`,
    );
  }
  const gz = await gzipPackage(tar);
  if (gz.length > limits.maxPackageBytes) {
    throw new PackageError(
      'TOO_LARGE',
      `${dir} packs to ${formatBytes(gz.length)}, over ${formatBytes(limits.maxPackageBytes)}`,
    );
  }

  const file = resolve(outFile ?? join(plugin.dir, '..', `${name}-${version}${PACKAGE_EXTENSION}`));
  // Written aside and renamed, so a reader never sees half a package under the final name.
  const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
  const replaced = existsSync(file);
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(partial, gz);
    await rename(partial, file);
  } catch (error) {
    // Best effort: when the folder could not be made there is no partial file, and rm fails too
    // (ENOTDIR, which `force` does not cover); that must not hide why the write failed.
    await rm(partial).catch(() => undefined);
    throw asPackageError(error, 'IO_ERROR', `could not write ${file}`);
  }
  return { file, name, version, files: contents.size, bytes: gz.length, replaced };
}
