/**
 * Reads a `.roseyplug` that may be hostile: every size bounded before it is spent, every entry
 * checked before anything is written, and the files written only into a fresh staging folder, as
 * regular files, never over one another. What comes out is a plugin folder that `loadPlugin`
 * accepted, ready for the installer to move into place.
 */
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseYaml } from '../contract/yaml.js';
import { loadPlugin, MANIFEST_FILE, type LoadedPlugin } from './manifest.js';
import { errorMessage } from '../contract/result.js';
import { PLUGIN_NAME } from '../contract/subjects.js';
import { CHECKSUMS_FILE, comparePaths, parseChecksums, sha256Hex } from './checksums.js';
import { DEFAULT_PACKAGE_LIMITS, formatBytes, type PackageLimits } from './package-limits.js';
import { asPackageError, PackageError } from './package-error.js';
import { pathProblem, quotePath } from './package-path.js';
import { gunzipBounded, readTar, type TarEntry, type TarEntryType } from './tar.js';
import { writeContents, type Contents } from './write-contents.js';

export interface ReadPackageOptions extends Partial<PackageLimits> {
  /**
   * Where the staging folder is made (default `os.tmpdir()`). The installer passes the plugins
   * folder, so moving the result into place is a rename on one file system.
   */
  stagingParent?: string;
}

export interface ReadPackage {
  /** The plugin as `loadPlugin` loaded it from `<stagingRoot>/<name>`. */
  plugin: LoadedPlugin;
  /** The caller removes it (recursively) when done with the plugin folder inside. */
  stagingRoot: string;
  /** Plugin files (those listed in CHECKSUMS). */
  files: number;
  /** Their total size, unpacked. */
  bytes: number;
}

/** A manifest is a few lines; parsing megabytes of YAML is not worth the risk. */
const MAX_MANIFEST_BYTES = 64 * 1024;

/** The staging folder's prefix: a dot, so plugin discovery skips it when the parent is a plugins folder. */
export const STAGING_PREFIX = '.staging-';

/**
 * Checks the package `file` and unpacks it into `<mkdtemp>/<name>`; see ReadPackage for the
 * result. Any failure is a PackageError with a one-line message naming the package and the
 * offending entry, and leaves no staging folder behind.
 */
export async function readPackage(file: string, options: ReadPackageOptions = {}): Promise<ReadPackage> {
  const limits: PackageLimits = {
    maxPackageBytes: options.maxPackageBytes ?? DEFAULT_PACKAGE_LIMITS.maxPackageBytes,
    maxUnpackedBytes: options.maxUnpackedBytes ?? DEFAULT_PACKAGE_LIMITS.maxUnpackedBytes,
    maxEntries: options.maxEntries ?? DEFAULT_PACKAGE_LIMITS.maxEntries,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_PACKAGE_LIMITS.maxFileBytes,
  };
  const tar = await gunzipBounded(
    await readBounded(file, limits.maxPackageBytes),
    limits.maxUnpackedBytes,
    file,
  );
  const contents = await checkEntries(tar, limits, file);
  const listed = checkChecksums(contents.files, file);
  const name = manifestName(contents.files, file);
  const bytes = listed.reduce((sum, path) => sum + (contents.files.get(path)?.length ?? 0), 0);
  const { plugin, stagingRoot } = await stage(contents, name, options.stagingParent ?? tmpdir(), file);
  return { plugin, stagingRoot, files: listed.length, bytes };
}

async function readBounded(file: string, maxBytes: number): Promise<Buffer> {
  let data: Buffer;
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw new PackageError('NOT_A_PACKAGE', `${file}: not a file`);
    if (stats.size > maxBytes) throw tooLarge(file, stats.size, maxBytes);
    data = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PackageError('NOT_FOUND', `${file}: no such file`, { cause: error });
    }
    throw asPackageError(error, 'IO_ERROR', `${file}: could not read`);
  }
  // The file may have grown since stat.
  if (data.length > maxBytes) throw tooLarge(file, data.length, maxBytes);
  return data;
}

function tooLarge(file: string, size: number, maxBytes: number): PackageError {
  return new PackageError(
    'TOO_LARGE',
    `${file}: the package is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)}`,
  );
}

/** Every entry: a file or folder, a safe path, unique, within the limits. */
async function checkEntries(tar: Buffer, limits: PackageLimits, what: string): Promise<Contents> {
  const contents: Contents = { files: new Map(), dirs: new Set() };
  const entries = readTar(tar);
  let count = 0;
  try {
    for (;;) {
      let next: IteratorResult<TarEntry>;
      try {
        next = await entries.next();
      } catch (error) {
        throw error instanceof PackageError
          ? new PackageError(error.code, `${what}: ${error.message}`)
          : error;
      }
      if (next.done) break;
      count += 1;
      checkEntry(next.value, count, contents, limits, what);
    }
  } finally {
    // Stops the reader when an entry is refused halfway through the archive.
    await entries.return(undefined);
  }
  // `a` as a file and `a/b` as anything cannot both be written.
  for (const path of [...contents.files.keys(), ...contents.dirs]) {
    const segments = path.split('/');
    for (let depth = 1; depth < segments.length; depth += 1) {
      const parent = segments.slice(0, depth).join('/');
      if (contents.files.has(parent)) {
        throw new PackageError(
          'UNSAFE_PATH',
          `${what}: entry ${quotePath(path)} is inside ${quotePath(parent)}, which is a file`,
        );
      }
    }
  }
  return contents;
}

function checkEntry(
  entry: TarEntry,
  count: number,
  contents: Contents,
  limits: PackageLimits,
  what: string,
): void {
  const name = `entry ${quotePath(entry.path)}`;
  if (count > limits.maxEntries) {
    throw new PackageError('TOO_LARGE', `${what}: more than ${limits.maxEntries} entries (at ${name})`);
  }
  if (entry.type === 'symlink' || entry.type === 'link') {
    const kind = entry.type === 'symlink' ? 'a symbolic link' : 'a hard link';
    throw new PackageError('LINK', `${what}: ${name} is ${kind} (to ${quotePath(entry.linkName)})`);
  }
  if (entry.type !== 'file' && entry.type !== 'directory') {
    throw new PackageError(
      'UNSUPPORTED_ENTRY',
      `${what}: ${name} is ${describe(entry.type, entry.typeFlag)}; a package holds only files and folders`,
    );
  }
  const problem = pathProblem(entry.path);
  if (problem) throw new PackageError('UNSAFE_PATH', `${what}: ${name} ${problem}`);
  if (contents.files.has(entry.path) || contents.dirs.has(entry.path)) {
    throw new PackageError('UNSAFE_PATH', `${what}: ${name} appears twice`);
  }
  if (entry.type === 'directory') {
    contents.dirs.add(entry.path);
    return;
  }
  if (entry.data.length > limits.maxFileBytes) {
    throw new PackageError(
      'TOO_LARGE',
      `${what}: ${name} is ${formatBytes(entry.data.length)}, over the limit of ${formatBytes(limits.maxFileBytes)}`,
    );
  }
  contents.files.set(entry.path, entry.data);
}

const DESCRIPTIONS: Partial<Record<TarEntryType, string>> = {
  'character-device': 'a character device',
  'block-device': 'a block device',
  fifo: 'a fifo',
  'contiguous-file': 'a contiguous file (not supported)',
  'pax-header': 'a pax extended header (long names and attributes are not supported)',
  'pax-global-header': 'a pax global header (long names and attributes are not supported)',
  'gnu-long-path': 'a GNU long-name entry (not supported)',
  'gnu-long-link-path': 'a GNU long-link entry (not supported)',
};

function describe(type: TarEntryType, typeFlag: string): string {
  return DESCRIPTIONS[type] ?? `of unknown type ${JSON.stringify(typeFlag)}`;
}

/** CHECKSUMS lists exactly the other files, each with its sha256. Returns the listed paths. */
function checkChecksums(files: ReadonlyMap<string, Buffer>, what: string): string[] {
  const text = files.get(CHECKSUMS_FILE);
  if (!text) throw new PackageError('BAD_CHECKSUM', `${what}: no ${CHECKSUMS_FILE} file`);
  let lines;
  try {
    lines = parseChecksums(new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch (error) {
    const reason = error instanceof PackageError ? error.message : `${CHECKSUMS_FILE} is not UTF-8`;
    throw new PackageError('BAD_CHECKSUM', `${what}: ${reason}`);
  }
  const listed = new Set<string>();
  for (const line of lines) {
    const name = `entry ${quotePath(line.path)}`;
    if (line.path === CHECKSUMS_FILE) {
      throw new PackageError('BAD_CHECKSUM', `${what}: ${CHECKSUMS_FILE} lists itself`);
    }
    const data = files.get(line.path);
    if (!data) {
      throw new PackageError(
        'BAD_CHECKSUM',
        `${what}: ${name} is listed in ${CHECKSUMS_FILE} but not in the package`,
      );
    }
    if (sha256Hex(data) !== line.sha256) {
      throw new PackageError(
        'BAD_CHECKSUM',
        `${what}: ${name} does not match its sha256 in ${CHECKSUMS_FILE}`,
      );
    }
    listed.add(line.path);
  }
  for (const path of [...files.keys()].sort(comparePaths)) {
    if (path !== CHECKSUMS_FILE && !listed.has(path)) {
      throw new PackageError(
        'BAD_CHECKSUM',
        `${what}: entry ${quotePath(path)} is not listed in ${CHECKSUMS_FILE}`,
      );
    }
  }
  return [...listed];
}

/**
 * The plugin's name from manifest.yaml, read before loadPlugin because it names the staging
 * folder, so it must be a valid plugin name and nothing more (`../x` would escape).
 */
function manifestName(files: ReadonlyMap<string, Buffer>, what: string): string {
  const data = files.get(MANIFEST_FILE);
  if (!data) throw new PackageError('BAD_MANIFEST', `${what}: no ${MANIFEST_FILE}`);
  if (data.length > MAX_MANIFEST_BYTES) {
    throw new PackageError(
      'BAD_MANIFEST',
      `${what}: ${MANIFEST_FILE} is over ${formatBytes(MAX_MANIFEST_BYTES)}`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(data.toString('utf8'));
  } catch (error) {
    throw new PackageError(
      'BAD_MANIFEST',
      `${what}: ${MANIFEST_FILE} is not valid YAML: ${(errorMessage(error).split('\n')[0] ?? '').replace(/:$/, '')}`,
    );
  }
  const name = typeof raw === 'object' && raw !== null && 'name' in raw ? raw.name : undefined;
  if (typeof name !== 'string' || !PLUGIN_NAME.test(name)) {
    throw new PackageError(
      'BAD_MANIFEST',
      `${what}: ${MANIFEST_FILE}: name ${String(JSON.stringify(name))} is not a plugin name (lower-case words joined by dashes)`,
    );
  }
  return name;
}

/** Writes the checked contents into `<mkdtemp>/<name>` and loads the plugin from there. */
async function stage(
  contents: Contents,
  name: string,
  parent: string,
  what: string,
): Promise<{ plugin: LoadedPlugin; stagingRoot: string }> {
  let stagingRoot: string;
  try {
    stagingRoot = await mkdtemp(join(parent, STAGING_PREFIX));
  } catch (error) {
    throw asPackageError(error, 'IO_ERROR', `${what}: could not make a staging folder in ${parent}`);
  }
  try {
    const target = resolve(stagingRoot, name);
    await mkdir(target);
    await writeContents(target, contents);
    let plugin: LoadedPlugin;
    try {
      plugin = loadPlugin(target);
    } catch (error) {
      // loadPlugin names the folder; the staging path means nothing to whoever reads this.
      const where = relative(process.cwd(), target) || target;
      const message = errorMessage(error).split(`${where}/`).join('');
      throw new PackageError('BAD_MANIFEST', `${what}: ${message}`, { cause: error });
    }
    return { plugin, stagingRoot };
  } catch (error) {
    await rm(stagingRoot, { recursive: true, force: true });
    throw asPackageError(error, 'IO_ERROR', `${what}: could not unpack into ${stagingRoot}`);
  }
}
