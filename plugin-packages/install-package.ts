/**
 * Installs a plugin into a plugins folder (one sub-folder per plugin, as `discoverPlugins` reads
 * it) from a `.roseyplug` or from a plugin folder, and removes one. An install is staged next to
 * its destination and switched in with renames, so the plugins folder holds either the old
 * version or the new one, never half of either.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// semver's index loads all of it (~50 modules, part of every start of Rosey); this is one function.
import lt from 'semver/functions/lt.js';
import { parseYaml } from '../contract/yaml.js';
import { loadPlugin, MANIFEST_FILE, manifestSchema, type LoadedPlugin } from './manifest.js';
import { errorMessage } from '../contract/result.js';
import { PLUGIN_NAME } from '../contract/subjects.js';
import type { PackageLimits } from './package-limits.js';
import { asPackageError, PackageError } from './package-error.js';
import { listPluginFiles } from './plugin-files.js';
import { readPackage, STAGING_PREFIX } from './verify-package.js';

export interface InstallOptions {
  /** Install even a lower version than the installed one. */
  force?: boolean;
  /**
   * Called with the staged plugin folder just before it replaces the installed one: a last check
   * (the plugin's own tests, say). Throwing aborts the install (PackageError ABORTED) and leaves
   * the installed version as it was.
   */
  beforeSwap?: (stagedDir: string) => void | Promise<void>;
  /**
   * Called once the new version is in place, with the old one still kept aside: bringing it live
   * (a running Rosey starts or upgrades it). Throwing puts the previous version back (or removes a
   * first install) and aborts with PackageError ABORTED, so disk and running Rosey agree.
   */
  afterSwap?: (dir: string) => void | Promise<void>;
  /** Limits for a package source (defaults in package-limits.ts). */
  limits?: Partial<PackageLimits>;
}

export interface InstalledPlugin {
  name: string;
  version: string;
  /** The version that was replaced, when one was installed (and readable). */
  previousVersion?: string;
  /** The plugin's folder: `<pluginsDir>/<name>`. */
  dir: string;
}

/**
 * Installs `source` (a `.roseyplug` file or a plugin folder) as `<pluginsDir>/<name>`. A folder is
 * checked with `loadPlugin` and copied without node_modules, .git and dotfiles; a package is
 * checked by `readPackage`. The same version again reinstalls; a lower one needs `force`
 * (PackageError DOWNGRADE otherwise); an installed folder whose version cannot be read is simply
 * replaced. The installed plugin gets `node_modules/rosey` linked to this Rosey, so
 * `import … from 'rosey/sdk'` resolves natively. Two installs of one plugin at once are not
 * guarded against: the caller runs one at a time.
 */
export async function installPlugin(
  source: string,
  pluginsDir: string,
  options: InstallOptions = {},
): Promise<InstalledPlugin> {
  const root = resolve(pluginsDir);
  try {
    await mkdir(root, { recursive: true });
  } catch (error) {
    throw asPackageError(error, 'IO_ERROR', `could not make the plugins folder ${root}`);
  }
  const staged = await stageSource(source, root, options.limits ?? {});
  try {
    const { name, version } = staged.plugin.manifest;
    const previousVersion = installedVersion(name, root);
    if (previousVersion !== undefined && !options.force && lt(version, previousVersion)) {
      throw new PackageError(
        'DOWNGRADE',
        `${name} ${previousVersion} is installed; installing ${version} would downgrade it: use --force`,
      );
    }
    await linkRoseySdk(staged.plugin.dir);
    if (options.beforeSwap) {
      try {
        await options.beforeSwap(staged.plugin.dir);
      } catch (error) {
        throw new PackageError('ABORTED', `${name} ${version} was not installed: ${errorMessage(error)}`, {
          cause: error,
        });
      }
    }
    const dir = join(root, name);
    await swapIn(staged.plugin.dir, dir, root, options.afterSwap);
    return previousVersion === undefined ? { name, version, dir } : { name, version, previousVersion, dir };
  } catch (error) {
    throw asPackageError(error, 'IO_ERROR', `could not install ${source}`);
  } finally {
    await rm(staged.stagingRoot, { recursive: true, force: true });
  }
}

/** Removes `<pluginsDir>/<name>`; PackageError NOT_FOUND when no such plugin is installed. */
export async function removePlugin(
  name: string,
  pluginsDir: string,
): Promise<{ name: string; version?: string; dir: string }> {
  const root = resolve(pluginsDir);
  // The name becomes a path: only a plugin name, so `..` cannot reach outside the plugins folder.
  if (!PLUGIN_NAME.test(name))
    throw new PackageError('NOT_FOUND', `${JSON.stringify(name)} is not a plugin name`);
  const dir = join(root, name);
  // Only a folder that is a plugin: a wrong plugins folder must not cost someone a folder.
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    throw new PackageError('NOT_FOUND', `no plugin ${name} is installed in ${root}`);
  }
  const version = installedVersion(name, root);
  try {
    // Renamed away first, so the plugin disappears at once rather than file by file.
    const old = join(root, `.old-${randomBytes(6).toString('hex')}`);
    await rename(dir, old);
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    throw asPackageError(error, 'IO_ERROR', `could not remove ${dir}`);
  }
  return version === undefined ? { name, dir } : { name, version, dir };
}

/** The version in `<pluginsDir>/<name>/manifest.yaml`, or undefined when none is installed or it is unreadable. */
export function installedVersion(name: string, pluginsDir: string): string | undefined {
  if (!PLUGIN_NAME.test(name)) return undefined;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(join(pluginsDir, name, MANIFEST_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const version = typeof raw === 'object' && raw !== null && 'version' in raw ? raw.version : undefined;
  return manifestSchema.shape.version.safeParse(version).success ? String(version) : undefined;
}

let roseyRoot: string | undefined;

/** The folder holding Rosey's package.json, found upwards from this module (source or dist). */
export function roseyPackageRoot(): string {
  if (roseyRoot) return roseyRoot;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'rosey') return (roseyRoot = dir);
    } catch {
      // no package.json here, or not JSON: keep going up
    }
    if (dirname(dir) === dir)
      throw new Error(`no Rosey package.json above ${fileURLToPath(import.meta.url)}`);
  }
}

/**
 * Links `<pluginDir>/node_modules/rosey` to this Rosey's package root, replacing an earlier link,
 * so the plugin's `rosey/sdk` imports resolve through Rosey's package.json exports. Returns the
 * link's path.
 */
export async function linkRoseySdk(pluginDir: string): Promise<string> {
  const link = join(pluginDir, 'node_modules', 'rosey');
  await mkdir(dirname(link), { recursive: true });
  const existing = await lstat(link).catch(() => undefined);
  if (existing?.isSymbolicLink()) await unlink(link);
  else if (existing) throw new PackageError('IO_ERROR', `${link} exists and is not a link; remove it first`);
  // 'junction' matters only on Windows, where it needs no privilege; elsewhere it is a plain symlink.
  await symlink(roseyPackageRoot(), link, 'junction');
  return link;
}

interface Staged {
  /** Removed by the caller in any case. */
  stagingRoot: string;
  plugin: LoadedPlugin;
}

async function stageSource(source: string, root: string, limits: Partial<PackageLimits>): Promise<Staged> {
  const stats = await stat(source).catch(() => undefined);
  if (!stats) throw new PackageError('NOT_FOUND', `${source}: no such file or folder`);
  if (!stats.isDirectory()) {
    const read = await readPackage(source, { ...limits, stagingParent: root });
    return { stagingRoot: read.stagingRoot, plugin: read.plugin };
  }
  let plugin: LoadedPlugin;
  try {
    plugin = loadPlugin(source);
  } catch (error) {
    throw new PackageError('BAD_MANIFEST', errorMessage(error), { cause: error });
  }
  const { files, dirs } = await listPluginFiles(plugin.dir);
  let stagingRoot: string;
  try {
    stagingRoot = await mkdtemp(join(root, STAGING_PREFIX));
  } catch (error) {
    throw asPackageError(error, 'IO_ERROR', `could not make a staging folder in ${root}`);
  }
  try {
    const target = join(stagingRoot, plugin.manifest.name);
    await mkdir(target);
    for (const dir of dirs) await mkdir(join(target, dir));
    for (const file of files) await copyFile(join(plugin.dir, file), join(target, file));
    return { stagingRoot, plugin: loadPlugin(target) };
  } catch (error) {
    await rm(stagingRoot, { recursive: true, force: true });
    throw asPackageError(error, 'IO_ERROR', `could not copy ${source}`);
  }
}

/** Puts `staged` at `target`, keeping the old `target` aside until the new one is in place. */
async function swapIn(
  staged: string,
  target: string,
  root: string,
  afterSwap?: (dir: string) => void | Promise<void>,
): Promise<void> {
  const old = join(root, `.old-${randomBytes(6).toString('hex')}`);
  const hadOld = await lstat(target).then(
    () => true,
    () => false,
  );
  if (hadOld) await rename(target, old);
  try {
    await rename(staged, target);
  } catch (error) {
    if (hadOld) {
      try {
        await rename(old, target);
      } catch {
        throw new PackageError(
          'IO_ERROR',
          `could not put ${target} in place (${errorMessage(error)}), nor the previous version back: it is in ${old}`,
          { cause: error },
        );
      }
    }
    throw error;
  }
  if (afterSwap) {
    try {
      await afterSwap(target);
    } catch (error) {
      const failed = join(root, `.failed-${randomBytes(6).toString('hex')}`);
      await rename(target, failed);
      if (hadOld) await rename(old, target);
      await rm(failed, { recursive: true, force: true }).catch(() => undefined);
      throw new PackageError(
        'ABORTED',
        `${errorMessage(error)}; ${hadOld ? 'the previous version is back in place' : 'nothing was installed'}`,
        { cause: error },
      );
    }
  }
  // Best effort: a leftover dot-folder is skipped by plugin discovery.
  if (hadOld) await rm(old, { recursive: true, force: true }).catch(() => undefined);
}
