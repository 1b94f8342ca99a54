/**
 * What of a plugin folder belongs to the plugin: the files and folders that are packed into a
 * `.roseyplug` or copied by an install from a folder. Dependencies, VCS data, dotfiles and earlier
 * packages are the developer's, not the plugin's.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { comparePaths } from './checksums.js';
import { PackageError } from './package-error.js';
import { pathProblem, quotePath } from './package-path.js';

export interface PluginFiles {
  /** Relative posix paths of regular files, sorted. */
  files: string[];
  /** Relative posix paths of folders (empty ones included), sorted. */
  dirs: string[];
}

/** Whether a folder entry is left out; `name` is one path segment. */
export function isSkipped(name: string, isDirectory: boolean): boolean {
  if (name === 'node_modules' || name.startsWith('.')) return true;
  return !isDirectory && name.endsWith('.roseyplug');
}

/**
 * The plugin's files under `dir`. A symlink is an error naming it (PackageError LINK): following
 * it could pack files from anywhere on the machine, keeping it would put a link in the package.
 */
export async function listPluginFiles(dir: string): Promise<PluginFiles> {
  const found: PluginFiles = { files: [], dirs: [] };
  await walk(dir, '', found);
  found.files.sort(comparePaths);
  found.dirs.sort(comparePaths);
  return found;
}

async function walk(root: string, prefix: string, found: PluginFiles): Promise<void> {
  const entries = await readdir(join(root, prefix), { withFileTypes: true });
  for (const entry of entries) {
    if (isSkipped(entry.name, entry.isDirectory())) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const where = `${quotePath(rel)} in ${root}`;
    if (entry.isSymbolicLink()) {
      throw new PackageError('LINK', `${where} is a symbolic link: a plugin holds only files and folders`);
    }
    const problem = pathProblem(rel);
    if (problem) throw new PackageError('UNSAFE_PATH', `${where} ${problem}`);
    if (entry.isDirectory()) {
      found.dirs.push(rel);
      await walk(root, rel, found);
    } else if (entry.isFile()) {
      found.files.push(rel);
    } else {
      throw new PackageError('UNSUPPORTED_ENTRY', `${where} is not a regular file or folder`);
    }
  }
}
