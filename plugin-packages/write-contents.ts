/**
 * Writes a checked package's folders and files under a fresh folder. The paths were checked
 * already (package-path.ts); this is the last line: nothing is written outside the folder, and no
 * file is written through or over anything already there (a link put in the folder meanwhile, or
 * two names one case-folding file system takes for the same).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { PackageError } from './package-error.js';
import { quotePath } from './package-path.js';

export interface Contents {
  /** Relative posix path → data. */
  files: Map<string, Buffer>;
  /** Relative posix paths of folders, empty ones included. */
  dirs: Set<string>;
}

/** Folders 0755, then files 0644 created new ('wx'); `root` is an absolute path that exists. */
export async function writeContents(root: string, contents: Contents): Promise<void> {
  for (const dir of contents.dirs) {
    await mkdir(inside(root, dir), { recursive: true, mode: 0o755 });
  }
  for (const [path, data] of contents.files) {
    const out = inside(root, path);
    await mkdir(dirname(out), { recursive: true, mode: 0o755 });
    await writeFile(out, data, { flag: 'wx', mode: 0o644 });
  }
}

/** `path` under `root`, or PackageError UNSAFE_PATH when it would resolve anywhere else. */
function inside(root: string, path: string): string {
  const out = resolve(root, path);
  if (!out.startsWith(root + sep)) {
    throw new PackageError('UNSAFE_PATH', `entry ${quotePath(path)} would be written outside the package`);
  }
  return out;
}
