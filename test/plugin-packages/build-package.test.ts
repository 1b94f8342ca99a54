import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  renameSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildPackage } from '../../plugin-packages/build-package.js';
import { DEFAULT_PACKAGE_LIMITS } from '../../plugin-packages/package-limits.js';
import { sha256Hex } from '../../plugin-packages/checksums.js';
import { readTar, type TarEntry } from '../../plugin-packages/tar.js';
import { readPackage } from '../../plugin-packages/verify-package.js';
import { tempDir } from '../support/nats.js';
import { packageFailure } from '../support/package-failure.js';
import { deepDir, escapeRegExp } from './long-paths.js';

/** A plugin folder `<root>/<name>` with the given files (paths relative, posix). */
function pluginFolder(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const FILES = {
  'manifest.yaml': 'name: greeter\nversion: 1.2.0\nentry: index.js\npermissions: [storage]\n',
  'index.js': 'export default {};\n',
  'lib/words.js': 'export const hello = "hi";\n',
  'migrations/001_greetings.sql': 'CREATE TABLE greetings (id INTEGER);\n',
  'README.md': '# greeter\n',
  'test/greeter.test.js': '// tests\n',
};

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!path.isFile()) continue;
    const full = join(path.parentPath, path.name);
    out[full.slice(dir.length + 1)] = readFileSync(full, 'utf8');
  }
  return out;
}

async function entriesOf(file: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  for await (const entry of readTar(gunzipSync(readFileSync(file)))) entries.push(entry);
  return entries;
}

describe('building a .roseyplug', () => {
  it('packs a plugin folder next to it, and reads back the same files with their CHECKSUMS', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', FILES);

    const built = await buildPackage(dir);

    assert.equal(built.file, join(root, 'greeter-1.2.0.roseyplug'));
    assert.deepEqual(
      { name: built.name, version: built.version, files: built.files },
      { name: 'greeter', version: '1.2.0', files: 6 },
    );
    assert.equal(built.bytes, readFileSync(built.file).length);

    const read = await readPackage(built.file, { stagingParent: root });
    try {
      assert.equal(read.plugin.manifest.name, 'greeter');
      assert.deepEqual(read.plugin.manifest.permissions, ['storage']);
      assert.equal(read.files, 6);
      const unpacked = tree(read.plugin.dir);
      const expectedChecksums = Object.keys(FILES)
        .sort()
        .map((path) => `${sha256Hex(Buffer.from(FILES[path as keyof typeof FILES]))}  ${path}\n`)
        .join('');
      assert.deepEqual(unpacked, { ...FILES, CHECKSUMS: expectedChecksums });
    } finally {
      rmSync(read.stagingRoot, { recursive: true, force: true });
    }
  });

  it('builds the same bytes twice, whatever the files’ times', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', FILES);
    const first = await buildPackage(dir, join(root, 'first.roseyplug'));
    utimesSync(join(dir, 'index.js'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = await buildPackage(dir, join(root, 'second.roseyplug'));
    assert.deepEqual(readFileSync(second.file), readFileSync(first.file));
  });

  it('stores entries sorted, folders 0755, files 0644, at the archive root', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', FILES);
    writeFileSync(join(dir, 'index.js'), 'export default {};\n', { mode: 0o700 });
    mkdirSync(join(dir, 'empty'));
    const built = await buildPackage(dir);
    const entries = await entriesOf(built.file);
    assert.deepEqual(
      entries.map((entry) => `${entry.type} ${entry.mode.toString(8)} ${entry.path}`),
      [
        'file 644 CHECKSUMS',
        'file 644 README.md',
        'directory 755 empty',
        'file 644 index.js',
        'directory 755 lib',
        'file 644 lib/words.js',
        'file 644 manifest.yaml',
        'directory 755 migrations',
        'file 644 migrations/001_greetings.sql',
        'directory 755 test',
        'file 644 test/greeter.test.js',
      ],
    );
  });

  it('leaves out node_modules, .git, dotfiles, packages and a stale CHECKSUMS', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', {
      ...FILES,
      'node_modules/dep/index.js': 'x',
      'lib/node_modules/dep/index.js': 'x',
      '.git/HEAD': 'ref',
      '.env': 'SECRET=1',
      'lib/.cache': 'x',
      'greeter-1.0.0.roseyplug': 'old package',
      CHECKSUMS: 'stale',
    });
    const built = await buildPackage(dir);
    const paths = (await entriesOf(built.file)).map((entry) => entry.path);
    assert.deepEqual(paths.sort(), ['CHECKSUMS', ...Object.keys(FILES), 'lib', 'migrations', 'test'].sort());
    assert.equal(built.files, Object.keys(FILES).length);
  });

  it('refuses a symlink in the folder, naming it, and writes nothing', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', FILES);
    symlinkSync('/etc/passwd', join(dir, 'lib', 'passwd'));
    const error = await packageFailure(buildPackage(dir));
    assert.equal(error.code, 'LINK');
    assert.match(error.message, /"lib\/passwd" in .*greeter is a symbolic link/);
    assert.deepEqual(readdirSync(root), ['greeter']);
  });

  it('refuses a folder loadPlugin refuses', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', { ...FILES, 'manifest.yaml': 'name: other\nversion: 1.0.0\n' });
    const error = await packageFailure(buildPackage(dir));
    assert.equal(error.code, 'BAD_MANIFEST');
    assert.match(error.message, /name 'other' must match the folder name 'greeter'/);
    assert.ok(!existsSync(join(root, 'other-1.0.0.roseyplug')));
    assert.ok(error.cause instanceof Error, 'loadPlugin’s error is kept as the cause');
    assert.equal(error.cause.message, error.message);
  });

  it('refuses a file name the reader would refuse', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', { ...FILES, 'lib/a\\b.js': 'x' });
    const error = await packageFailure(buildPackage(dir));
    assert.equal(error.code, 'UNSAFE_PATH');
    assert.match(error.message, /"lib\/a\\\\b\.js" in .* contains a backslash/);
  });

  it('refuses a folder named CHECKSUMS, the name of the package’s own listing', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', FILES);
    mkdirSync(join(dir, 'CHECKSUMS'));
    const error = await packageFailure(buildPackage(dir));
    assert.equal(error.code, 'UNSAFE_PATH');
    assert.equal(error.message, `${dir} has a folder named CHECKSUMS, a name packages reserve`);
    assert.deepEqual(readdirSync(root), ['greeter']);
  });

  it('reports a folder it cannot read as IO_ERROR naming the plugin folder', async () => {
    // A folder whose path is past the system's limit (4096): made short, then moved under a deep one.
    const dir = pluginFolder(deepDir(3800), 'greeter', FILES);
    const short = tempDir();
    mkdirSync(join(short, 's'.repeat(200), 't'.repeat(200)), { recursive: true });
    renameSync(join(short, 's'.repeat(200)), join(dir, 's'.repeat(200)));
    try {
      const error = await packageFailure(buildPackage(dir));
      assert.equal(error.code, 'IO_ERROR');
      assert.match(error.message, new RegExp(`^could not package ${escapeRegExp(dir)}: ENAMETOOLONG`));
    } finally {
      renameSync(join(dir, 's'.repeat(200)), join(short, 's'.repeat(200)));
    }
  });

  it('removes the partial package when it cannot be put in place', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', FILES);
    // The package's name is taken by a folder: the rename onto it fails after the bytes are written.
    const out = join(root, 'out');
    mkdirSync(out);
    const error = await packageFailure(buildPackage(dir, out));
    assert.equal(error.code, 'IO_ERROR');
    assert.match(error.message, new RegExp(`^could not write ${escapeRegExp(out)}: EISDIR`));
    assert.deepEqual(readdirSync(root).sort(), ['greeter', 'out']);
    assert.deepEqual(readdirSync(out), []);
  });

  it('reports a package that cannot be written where asked, and writes nothing', async () => {
    const root = tempDir();
    const dir = pluginFolder(root, 'greeter', FILES);
    writeFileSync(join(root, 'a-file'), 'x');
    // Its folder cannot be made, so not even the partial file is there to remove.
    const out = join(root, 'a-file', 'greeter.roseyplug');
    const error = await packageFailure(buildPackage(dir, out));
    assert.equal(error.code, 'IO_ERROR');
    assert.match(error.message, new RegExp(`^could not write ${escapeRegExp(out)}: (EEXIST|ENOTDIR)`));
    assert.deepEqual(readdirSync(root).sort(), ['a-file', 'greeter']);
  });

  describe('packs up to the limits the installer applies, and refuses one past', function () {
    this.timeout(120_000);
    const MiB = 1024 * 1024;
    const BASE = {
      'manifest.yaml': 'name: big\nversion: 1.0.0\nentry: index.js\n',
      'index.js': 'export default {};\n',
    };
    let root = '';
    beforeEach(() => {
      root = tempDir();
    });
    afterEach(() => {
      // Tens of MiB per test: not left in the temp folder.
      rmSync(root, { recursive: true, force: true });
    });

    it('one file of 50 MiB', async () => {
      const dir = pluginFolder(root, 'big', BASE);
      writeFileSync(join(dir, 'data.bin'), Buffer.alloc(DEFAULT_PACKAGE_LIMITS.maxFileBytes));
      const built = await buildPackage(dir);
      assert.equal(built.files, 3);
      writeFileSync(join(dir, 'data.bin'), Buffer.alloc(DEFAULT_PACKAGE_LIMITS.maxFileBytes + 1));
      const error = await packageFailure(buildPackage(dir, join(root, 'over.roseyplug')));
      assert.equal(error.code, 'TOO_LARGE');
      assert.equal(error.message, `"data.bin" in ${dir} is 50 MiB, over the 50 MiB a package file may have`);
      assert.ok(!existsSync(join(root, 'over.roseyplug')));
    });

    it('5000 entries', async () => {
      const dir = pluginFolder(root, 'big', BASE);
      // manifest.yaml, index.js, CHECKSUMS and the folders.
      for (let i = 0; i < DEFAULT_PACKAGE_LIMITS.maxEntries - 3; i += 1) mkdirSync(join(dir, `d${i}`));
      const built = await buildPackage(dir);
      assert.equal((await entriesOf(built.file)).length, 5000);
      mkdirSync(join(dir, 'one-more'));
      const error = await packageFailure(buildPackage(dir, join(root, 'over.roseyplug')));
      assert.equal(error.code, 'TOO_LARGE');
      assert.equal(error.message, `${dir} has 5001 entries, over 5000`);
    });

    it('100 MiB of archive unpacked', async () => {
      const dir = pluginFolder(root, 'big', BASE);
      // A header block per entry, the data padded to blocks, two zero blocks at the end; the three
      // small files take one block each. Two files, as one may hold only 50 MiB.
      const entries = 5;
      const rest = DEFAULT_PACKAGE_LIMITS.maxUnpackedBytes - 512 * entries - 1024 - 3 * 512;
      writeFileSync(join(dir, 'a.bin'), Buffer.alloc(50 * MiB));
      writeFileSync(join(dir, 'b.bin'), Buffer.alloc(rest - 50 * MiB));
      const built = await buildPackage(dir);
      assert.equal(gunzipSync(readFileSync(built.file)).length, DEFAULT_PACKAGE_LIMITS.maxUnpackedBytes);
      writeFileSync(join(dir, 'b.bin'), Buffer.alloc(rest - 50 * MiB + 1));
      const error = await packageFailure(buildPackage(dir, join(root, 'over.roseyplug')));
      assert.equal(error.code, 'TOO_LARGE');
      assert.equal(error.message, `${dir} packs to 100 MiB unpacked, over 100 MiB`);
    });

    it('refuses a package over 20 MiB once compressed', async () => {
      const dir = pluginFolder(root, 'big', BASE);
      // Bytes gzip cannot shrink (AES-CTR of zeros: the same every run).
      const noise = createCipheriv('aes-128-ctr', Buffer.alloc(16), Buffer.alloc(16)).update(
        Buffer.alloc(DEFAULT_PACKAGE_LIMITS.maxPackageBytes),
      );
      writeFileSync(join(dir, 'noise.bin'), noise);
      const error = await packageFailure(buildPackage(dir));
      assert.equal(error.code, 'TOO_LARGE');
      assert.match(error.message, new RegExp(`^${escapeRegExp(dir)} packs to 20 MiB, over 20 MiB$`));
      assert.deepEqual(readdirSync(root), ['big']);
    });
  });
});
