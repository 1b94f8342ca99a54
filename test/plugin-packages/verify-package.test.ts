import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { CHECKSUMS_FILE, computeChecksums, serialiseChecksums } from '../../plugin-packages/checksums.js';
import type { PackageLimits } from '../../plugin-packages/package-limits.js';
import type { PackageErrorCode } from '../../plugin-packages/package-error.js';
import { gzipPackage } from '../../plugin-packages/tar.js';
import { readPackage } from '../../plugin-packages/verify-package.js';
import { writeTar, type TarWriteEntry } from '../support/craft-tar.js';
import { tempDir } from '../support/nats.js';
import { packageFailure } from '../support/package-failure.js';

const MANIFEST = 'name: hostile\nversion: 1.0.0\nentry: index.js\n';

/** A valid package's entries: the given files plus a CHECKSUMS listing exactly them. */
function entriesFor(files: Record<string, string | Buffer>): TarWriteEntry[] {
  const contents = new Map(Object.entries(files).map(([path, data]) => [path, Buffer.from(data)]));
  return [
    { path: CHECKSUMS_FILE, type: 'file', data: Buffer.from(serialiseChecksums(computeChecksums(contents))) },
    ...[...contents].map(([path, data]): TarWriteEntry => ({ path, type: 'file', data })),
  ];
}

const BASE = { 'manifest.yaml': MANIFEST, 'index.js': 'export default {};\n' };

function packed(entries: TarWriteEntry[]): Promise<Buffer> {
  return gzipPackage(writeTar(entries));
}

/** The tar bytes of `entries` without the end marker, cut `cut` bytes into the last entry's data. */
function cutTar(entries: TarWriteEntry[], cut: number): Buffer {
  const whole = writeTar(entries);
  const last = entries.at(-1)?.data?.length ?? 0;
  const lastStart = whole.length - 1024 - Math.ceil(last / 512) * 512;
  return whole.subarray(0, lastStart + cut);
}

let bomb: Promise<Buffer> | undefined;

/** 200 MiB of zeros, gzip'd by streaming so the test never holds them: about 200 KiB. */
function gzipBomb(): Promise<Buffer> {
  bomb ??= makeGzipBomb();
  return bomb;
}

async function makeGzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 200; i += 1) if (!gzip.write(zeros)) await once(gzip, 'drain');
  gzip.end();
  await once(gzip, 'end');
  return Buffer.concat(chunks);
}

interface HostileCase {
  name: string;
  bytes: () => Buffer | Promise<Buffer>;
  limits?: Partial<PackageLimits>;
  code: PackageErrorCode;
  /** What the one-line message must name (the entry, or the package file when no entry is at fault). */
  mentions: string | ((file: string) => string);
}

const evilAbsolute = join(tempDir('rosey-abs-'), 'evil.js');

const CASES: HostileCase[] = [
  {
    name: 'manifest with a bad version',
    bytes: () =>
      packed(entriesFor({ ...BASE, 'manifest.yaml': 'name: hostile\nversion: one\nentry: index.js\n' })),
    code: 'BAD_MANIFEST',
    mentions: 'manifest.yaml: version',
  },
  {
    name: 'manifest that is not YAML',
    bytes: () => packed(entriesFor({ ...BASE, 'manifest.yaml': 'name: [hostile\n' })),
    code: 'BAD_MANIFEST',
    mentions: 'manifest.yaml is not valid YAML',
  },
  {
    name: 'no manifest',
    bytes: () => packed(entriesFor({ 'index.js': 'export default {};\n' })),
    code: 'BAD_MANIFEST',
    mentions: 'no manifest.yaml',
  },
  {
    name: 'missing entry file',
    bytes: () =>
      packed(entriesFor({ ...BASE, 'manifest.yaml': 'name: hostile\nversion: 1.0.0\nentry: main.js\n' })),
    code: 'BAD_MANIFEST',
    mentions: 'entry main.js does not exist',
  },
  {
    name: "manifest name with '../'",
    bytes: () =>
      packed(entriesFor({ ...BASE, 'manifest.yaml': 'name: ../evil\nversion: 1.0.0\nentry: index.js\n' })),
    code: 'BAD_MANIFEST',
    mentions: '"../evil" is not a plugin name',
  },
  {
    name: 'checksum mismatch',
    bytes: () => {
      const entries = entriesFor(BASE);
      const index = entries.find((entry) => entry.path === 'index.js');
      if (index) index.data = Buffer.from('process.exit(1);\n');
      return packed(entries);
    },
    code: 'BAD_CHECKSUM',
    mentions: 'entry "index.js" does not match its sha256',
  },
  {
    name: 'unlisted file',
    bytes: () => packed([...entriesFor(BASE), { path: 'extra.js', type: 'file', data: Buffer.from('1') }]),
    code: 'BAD_CHECKSUM',
    mentions: 'entry "extra.js" is not listed',
  },
  {
    name: 'listed but missing file',
    bytes: () => packed(entriesFor({ ...BASE, 'gone.js': 'x' }).filter((entry) => entry.path !== 'gone.js')),
    code: 'BAD_CHECKSUM',
    mentions: 'entry "gone.js" is listed in CHECKSUMS but not in the package',
  },
  {
    name: 'no CHECKSUMS',
    bytes: () => packed(entriesFor(BASE).filter((entry) => entry.path !== CHECKSUMS_FILE)),
    code: 'BAD_CHECKSUM',
    mentions: 'no CHECKSUMS file',
  },
  {
    name: 'malformed CHECKSUMS',
    bytes: () =>
      packed([
        { path: CHECKSUMS_FILE, type: 'file', data: Buffer.from('nonsense index.js\n') },
        ...entriesFor(BASE).slice(1),
      ]),
    code: 'BAD_CHECKSUM',
    mentions: 'CHECKSUMS line 1',
  },
  {
    name: '../evil path',
    bytes: () => packed([...entriesFor(BASE), { path: '../evil.js', type: 'file', data: Buffer.from('x') }]),
    code: 'UNSAFE_PATH',
    mentions: `entry "../evil.js" has a '..' segment`,
  },
  {
    name: 'a deeper climb through a folder',
    bytes: () =>
      packed([...entriesFor(BASE), { path: 'lib/../../../evil.js', type: 'file', data: Buffer.from('x') }]),
    code: 'UNSAFE_PATH',
    mentions: 'entry "lib/../../../evil.js"',
  },
  {
    name: 'absolute path',
    bytes: () => packed([...entriesFor(BASE), { path: evilAbsolute, type: 'file', data: Buffer.from('x') }]),
    code: 'UNSAFE_PATH',
    mentions: `entry ${JSON.stringify(evilAbsolute)} is an absolute path`,
  },
  {
    name: 'backslash path',
    bytes: () => packed([...entriesFor(BASE), { path: '..\\evil.js', type: 'file', data: Buffer.from('x') }]),
    code: 'UNSAFE_PATH',
    mentions: 'contains a backslash',
  },
  {
    name: 'newline in a path',
    bytes: () => packed([...entriesFor(BASE), { path: 'a\nb.js', type: 'file', data: Buffer.from('x') }]),
    code: 'UNSAFE_PATH',
    mentions: 'entry "a\\nb.js" contains a control character',
  },
  {
    name: 'node_modules entry',
    bytes: () =>
      packed([
        ...entriesFor(BASE),
        { path: 'node_modules/rosey/index.js', type: 'file', data: Buffer.from('x') },
      ]),
    code: 'UNSAFE_PATH',
    mentions: 'entry "node_modules/rosey/index.js" is inside node_modules',
  },
  {
    name: 'duplicate path',
    bytes: () => packed([...entriesFor(BASE), { path: 'index.js', type: 'file', data: Buffer.from('x') }]),
    code: 'UNSAFE_PATH',
    mentions: 'entry "index.js" appears twice',
  },
  {
    name: 'a file under a file',
    bytes: () =>
      packed([...entriesFor(BASE), { path: 'index.js/inner.js', type: 'file', data: Buffer.from('x') }]),
    code: 'UNSAFE_PATH',
    mentions: 'entry "index.js/inner.js" is inside "index.js", which is a file',
  },
  {
    name: 'symlink entry',
    bytes: () => packed([...entriesFor(BASE), { path: 'passwd', type: 'symlink', linkName: '/etc/passwd' }]),
    code: 'LINK',
    mentions: 'entry "passwd" is a symbolic link (to "/etc/passwd")',
  },
  {
    name: 'hard-link entry',
    bytes: () => packed([...entriesFor(BASE), { path: 'copy.js', type: 'hardlink', linkName: 'index.js' }]),
    code: 'LINK',
    mentions: 'entry "copy.js" is a hard link',
  },
  {
    name: 'character device',
    bytes: () => packed([...entriesFor(BASE), { path: 'null', type: 'char-device' }]),
    code: 'UNSUPPORTED_ENTRY',
    mentions: 'entry "null" is a character device',
  },
  {
    name: 'fifo',
    bytes: () => packed([...entriesFor(BASE), { path: 'pipe', type: 'fifo' }]),
    code: 'UNSUPPORTED_ENTRY',
    mentions: 'entry "pipe" is a fifo',
  },
  {
    name: 'pax header',
    bytes: () =>
      packed([
        { path: 'PaxHeaders/index.js', type: 'pax-header', data: Buffer.from('20 path=../evil.js\n') },
        ...entriesFor(BASE),
      ]),
    code: 'UNSUPPORTED_ENTRY',
    mentions: 'entry "PaxHeaders/index.js" is a pax extended header',
  },
  {
    name: 'GNU long name',
    bytes: () =>
      packed([
        { path: '././@LongLink', type: 'gnu-long-name', data: Buffer.from('../evil.js\0') },
        ...entriesFor(BASE),
      ]),
    code: 'UNSUPPORTED_ENTRY',
    mentions: 'entry "././@LongLink" is a GNU long-name entry',
  },
  {
    name: 'oversized file',
    bytes: () => packed(entriesFor({ ...BASE, 'big.bin': Buffer.alloc(2000, 1) })),
    limits: { maxFileBytes: 1000 },
    code: 'TOO_LARGE',
    mentions: 'entry "big.bin" is 2 KiB, over the limit of 1000 bytes',
  },
  {
    name: 'oversized package',
    bytes: () => packed(entriesFor(BASE)),
    limits: { maxPackageBytes: 100 },
    code: 'TOO_LARGE',
    mentions: (file) => `${file}: the package is`,
  },
  {
    name: 'too many entries',
    bytes: () => packed(entriesFor({ ...BASE, 'a.js': '1', 'b.js': '2' })),
    limits: { maxEntries: 3 },
    code: 'TOO_LARGE',
    mentions: 'more than 3 entries (at entry "a.js")',
  },
  {
    name: 'gzip bomb under a small limit',
    bytes: gzipBomb,
    limits: { maxUnpackedBytes: 10 * 1024 * 1024 },
    code: 'TOO_LARGE',
    mentions: (file) => `${file}: unpacks to more than 10 MiB`,
  },
  {
    name: 'gzip bomb under the default limit',
    bytes: gzipBomb,
    code: 'TOO_LARGE',
    mentions: (file) => `${file}: unpacks to more than 100 MiB`,
  },
  {
    name: 'not gzip',
    bytes: () => Buffer.from('PK\u0003\u0004 this is a zip, or something'),
    code: 'NOT_A_PACKAGE',
    mentions: (file) => `${file}: not a gzip file`,
  },
  {
    name: 'gzip but not tar',
    bytes: () => gzipSync(Buffer.alloc(2048, 'not a tar archive ')),
    code: 'NOT_A_PACKAGE',
    mentions: 'byte 0: not a ustar header',
  },
  {
    name: 'truncated gzip',
    bytes: async () => {
      const whole = await packed(entriesFor(BASE));
      return whole.subarray(0, Math.floor(whole.length / 2));
    },
    code: 'NOT_A_PACKAGE',
    mentions: (file) => `${file}: broken gzip data`,
  },
  {
    name: 'truncated tar inside whole gzip',
    bytes: () => gzipPackage(cutTar(entriesFor({ ...BASE, 'z.bin': Buffer.alloc(3000, 7) }), 1000)),
    code: 'NOT_A_PACKAGE',
    mentions: 'truncated archive: entry "z.bin" needs 3000 bytes, 1000 left',
  },
  {
    name: 'tar without its end marker',
    bytes: () => {
      const whole = writeTar(entriesFor(BASE));
      return gzipPackage(whole.subarray(0, whole.length - 1024));
    },
    code: 'NOT_A_PACKAGE',
    mentions: 'no end-of-archive marker',
  },
  {
    name: 'corrupt header checksum',
    bytes: () => {
      const tar = writeTar(entriesFor(BASE));
      tar[0] = 'X'.charCodeAt(0);
      return gzipPackage(tar);
    },
    code: 'NOT_A_PACKAGE',
    mentions: 'byte 0: header checksum does not match',
  },
  {
    name: 'data after the end marker',
    bytes: () => gzipPackage(Buffer.concat([writeTar(entriesFor(BASE)), writeTar(entriesFor(BASE))])),
    code: 'NOT_A_PACKAGE',
    mentions: 'data after the end-of-archive marker',
  },
];

function listTree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('reading a .roseyplug', () => {
  it('accepts the valid baseline the hostile cases start from', async () => {
    const root = tempDir();
    const file = join(root, 'hostile.roseyplug');
    writeFileSync(file, await packed(entriesFor({ ...BASE, 'lib/util.js': 'export {};\n' })));
    const read = await readPackage(file, { stagingParent: root });
    try {
      assert.equal(read.plugin.manifest.name, 'hostile');
      assert.equal(read.plugin.dir, join(read.stagingRoot, 'hostile'));
      assert.equal(read.files, 3);
      assert.equal(read.bytes, MANIFEST.length + 'export default {};\n'.length + 'export {};\n'.length);
      assert.equal(readFileSync(join(read.plugin.dir, 'lib', 'util.js'), 'utf8'), 'export {};\n');
    } finally {
      rmSync(read.stagingRoot, { recursive: true, force: true });
    }
  });

  it('refuses a missing file with NOT_FOUND', async () => {
    const root = tempDir();
    const error = await packageFailure(readPackage(join(root, 'nothere.roseyplug'), { stagingParent: root }));
    assert.equal(error.code, 'NOT_FOUND');
    assert.deepEqual(readdirSync(root), []);
  });

  describe('refuses hostile packages, naming the entry, leaving nothing behind', () => {
    for (const hostile of CASES) {
      it(hostile.name, async () => {
        const root = tempDir();
        mkdirSync(join(root, 'pkg'));
        mkdirSync(join(root, 'staging'));
        const file = join(root, 'pkg', 'hostile.roseyplug');
        writeFileSync(file, await hostile.bytes());

        const error = await packageFailure(
          readPackage(file, { ...hostile.limits, stagingParent: join(root, 'staging') }),
        );

        assert.equal(error.code, hostile.code, error.message);
        const mentions = typeof hostile.mentions === 'function' ? hostile.mentions(file) : hostile.mentions;
        assert.ok(
          error.message.includes(mentions),
          `${JSON.stringify(error.message)} should name ${mentions}`,
        );
        assert.ok(error.message.startsWith(`${file}: `), error.message);
        assert.ok(!error.message.includes('\n'), error.message);
        assert.ok(!error.message.includes('.staging-'), error.message);
        assert.deepEqual(listTree(root), ['pkg', join('pkg', basename(file)), 'staging']);
        assert.ok(!existsSync(evilAbsolute), `${evilAbsolute} was written`);
      });
    }
  });
});
