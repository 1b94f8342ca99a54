/**
 * The package reader at its edges: every size limit at exactly its value and one past it, the
 * refusals the hostile-package list does not reach (folder entries, CHECKSUMS that is not UTF-8
 * or lists itself, manifests that are not a mapping), and where it fails outside the archive.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../../contract/yaml.js';
import { errorMessage } from '../../contract/result.js';
import { CHECKSUMS_FILE, computeChecksums, serialiseChecksums } from '../../plugin-packages/checksums.js';
import {
  DEFAULT_PACKAGE_LIMITS,
  formatBytes,
  type PackageLimits,
} from '../../plugin-packages/package-limits.js';
import type { PackageErrorCode } from '../../plugin-packages/package-error.js';
import { gzipPackage } from '../../plugin-packages/tar.js';
import { readPackage, type ReadPackage } from '../../plugin-packages/verify-package.js';
import { resealHeader, writeTar, type TarWriteEntry } from '../support/craft-tar.js';
import { tempDir } from '../support/nats.js';
import { packageFailure } from '../support/package-failure.js';
import { deepDir, escapeRegExp } from './long-paths.js';

const MANIFEST = 'name: edge\nversion: 1.0.0\nentry: index.js\n';
const BASE = { 'manifest.yaml': MANIFEST, 'index.js': 'export default {};\n' };

function checksumsOf(files: Record<string, string | Buffer>): TarWriteEntry {
  const contents = new Map(Object.entries(files).map(([path, data]) => [path, Buffer.from(data)]));
  return {
    path: CHECKSUMS_FILE,
    type: 'file',
    data: Buffer.from(serialiseChecksums(computeChecksums(contents))),
  };
}

/** The entries of a valid package holding `files`, CHECKSUMS first, then `extra` entries. */
function entriesFor(files: Record<string, string | Buffer>, extra: TarWriteEntry[] = []): TarWriteEntry[] {
  return [
    checksumsOf(files),
    ...Object.entries(files).map(([path, data]): TarWriteEntry => ({
      path,
      type: 'file',
      data: Buffer.from(data),
    })),
    ...extra,
  ];
}

/** Writes the package to a fresh folder; returns its path. */
async function packageFile(tar: Buffer): Promise<string> {
  const file = join(tempDir(), 'edge.roseyplug');
  writeFileSync(file, await gzipPackage(tar));
  return file;
}

async function read(file: string, limits: Partial<PackageLimits> = {}): Promise<ReadPackage> {
  const staging = join(file, '..', 'staging');
  mkdirSync(staging, { recursive: true });
  const result = await readPackage(file, { ...limits, stagingParent: staging });
  rmSync(result.stagingRoot, { recursive: true, force: true });
  return result;
}

async function refused(
  file: string,
  limits: Partial<PackageLimits>,
  code: PackageErrorCode,
  message: string,
): Promise<void> {
  const staging = join(file, '..', 'staging');
  mkdirSync(staging, { recursive: true });
  const error = await packageFailure(readPackage(file, { ...limits, stagingParent: staging }));
  assert.equal(error.code, code, error.message);
  assert.equal(error.message, `${file}: ${message}`);
  assert.deepEqual(readdirSync(staging), [], 'a staging folder was left behind');
}

describe('the package reader at its edges', () => {
  describe('takes every size at exactly its limit and refuses one byte (or entry) more', () => {
    it('the package file', async () => {
      const file = await packageFile(writeTar(entriesFor(BASE)));
      const size = statSync(file).size;
      await read(file, { maxPackageBytes: size });
      await refused(
        file,
        { maxPackageBytes: size - 1 },
        'TOO_LARGE',
        `the package is ${formatBytes(size)}, over the limit of ${formatBytes(size - 1)}`,
      );
    });

    it('the unpacked archive', async () => {
      const tar = writeTar(entriesFor(BASE));
      const file = await packageFile(tar);
      await read(file, { maxUnpackedBytes: tar.length });
      await refused(
        file,
        { maxUnpackedBytes: tar.length - 1 },
        'TOO_LARGE',
        `unpacks to more than ${formatBytes(tar.length - 1)}`,
      );
    });

    it('the number of entries', async () => {
      const entries = entriesFor(BASE, [{ path: 'lib', type: 'directory' }]);
      const file = await packageFile(writeTar(entries));
      await read(file, { maxEntries: entries.length });
      await refused(
        file,
        { maxEntries: entries.length - 1 },
        'TOO_LARGE',
        `more than ${entries.length - 1} entries (at entry "lib")`,
      );
    });

    it('one file', async () => {
      const file = await packageFile(writeTar(entriesFor({ ...BASE, 'big.bin': Buffer.alloc(1000, 1) })));
      await read(file, { maxFileBytes: 1000 });
      await refused(
        file,
        { maxFileBytes: 999 },
        'TOO_LARGE',
        'entry "big.bin" is 1000 bytes, over the limit of 999 bytes',
      );
    });

    it('the manifest: 64 KiB', async () => {
      const padded = (size: number) => MANIFEST + `#${'x'.repeat(size - MANIFEST.length - 2)}\n`;
      assert.equal(padded(64 * 1024).length, 64 * 1024);
      await read(await packageFile(writeTar(entriesFor({ ...BASE, 'manifest.yaml': padded(64 * 1024) }))));
      const over = await packageFile(
        writeTar(entriesFor({ ...BASE, 'manifest.yaml': padded(64 * 1024 + 1) })),
      );
      await refused(over, {}, 'BAD_MANIFEST', 'manifest.yaml is over 64 KiB');
    });
  });

  it('uses the documented default limits', () => {
    assert.deepEqual(DEFAULT_PACKAGE_LIMITS, {
      maxPackageBytes: 20 * 1024 * 1024,
      maxUnpackedBytes: 100 * 1024 * 1024,
      maxEntries: 5000,
      maxFileBytes: 50 * 1024 * 1024,
    });
  });

  it('refuses more entries than the default limit', async () => {
    const many = Array.from({ length: DEFAULT_PACKAGE_LIMITS.maxEntries }, (_, i): TarWriteEntry => ({
      path: `d${i}`,
      type: 'directory',
    }));
    const file = await packageFile(writeTar(entriesFor(BASE, many)));
    await refused(file, {}, 'TOO_LARGE', 'more than 5000 entries (at entry "d4997")');
  });

  it('refuses a file that grew past the limit after its size was read', async () => {
    // /proc files report size 0 to stat and then read as text: the second check is the one that counts.
    const error = await packageFailure(readPackage('/proc/self/status', { maxPackageBytes: 100 }));
    assert.equal(error.code, 'TOO_LARGE');
    assert.match(error.message, /^\/proc\/self\/status: the package is .*, over the limit of 100 bytes$/);
  });

  describe('applies the path rule to folder entries too', () => {
    // Bug locked: the unsafe-path checks ran for files only, so a hostile folder entry passed.
    const cases: Array<[string, string, string]> = [
      ['a folder climbing out', '../x', `entry "../x" has a '..' segment`],
      ['an absolute folder', '/tmp/rosey-evil', 'entry "/tmp/rosey-evil" is an absolute path'],
      ['a folder with a . segment', 'lib/./x', `entry "lib/./x" has a '.' segment`],
      ['a folder with an empty segment', 'lib//x', 'entry "lib//x" has an empty segment'],
      ['a node_modules folder', 'node_modules', 'entry "node_modules" is inside node_modules'],
      ['a folder with DEL in its name', 'li\u007fb', 'entry "li\u007fb" contains a control character'],
    ];
    for (const [name, path, message] of cases) {
      it(name, async () => {
        const file = await packageFile(writeTar(entriesFor(BASE, [{ path, type: 'directory' }])));
        await refused(file, {}, 'UNSAFE_PATH', message);
      });
    }
  });

  it('refuses a file path with a . segment, an empty segment or a DEL character', async () => {
    for (const [path, reason] of [
      ['./index2.js', "has a '.' segment"],
      ['lib//a.js', 'has an empty segment'],
      ['a\u007f.js', 'contains a control character'],
    ]) {
      const file = await packageFile(
        writeTar(entriesFor(BASE, [{ path: path ?? '', type: 'file', data: Buffer.from('x') }])),
      );
      await refused(file, {}, 'UNSAFE_PATH', `entry ${JSON.stringify(path)} ${reason}`);
    }
  });

  describe('refuses a path twice, whatever the entry types', () => {
    const cases: Array<[string, TarWriteEntry[]]> = [
      [
        'a folder twice',
        [
          { path: 'lib', type: 'directory' },
          { path: 'lib', type: 'directory' },
        ],
      ],
      [
        'a folder, then a file',
        [
          { path: 'lib', type: 'directory' },
          { path: 'lib', type: 'file' },
        ],
      ],
      ['a file, then a folder', [{ path: 'index.js', type: 'directory' }]],
    ];
    for (const [name, extra] of cases) {
      it(name, async () => {
        const file = await packageFile(writeTar(entriesFor(BASE, extra)));
        const path = extra.at(-1)?.path ?? '';
        await refused(file, {}, 'UNSAFE_PATH', `entry ${JSON.stringify(path)} appears twice`);
      });
    }
  });

  it('refuses a folder inside a file, at any depth', async () => {
    const file = await packageFile(writeTar(entriesFor(BASE, [{ path: 'index.js/a/b', type: 'directory' }])));
    await refused(file, {}, 'UNSAFE_PATH', 'entry "index.js/a/b" is inside "index.js", which is a file');
  });

  it('refuses a folder inside a file that is itself in a folder', async () => {
    const file = await packageFile(
      writeTar(entriesFor({ ...BASE, 'lib/x.js': 'x' }, [{ path: 'lib/x.js/y', type: 'directory' }])),
    );
    await refused(file, {}, 'UNSAFE_PATH', 'entry "lib/x.js/y" is inside "lib/x.js", which is a file');
  });

  describe('names what a refused entry is', () => {
    const withFlag = (flag: string): Buffer => {
      const tar = writeTar(entriesFor(BASE, [{ path: 'odd', type: 'file' }]));
      const at = tar.length - 1024 - 512;
      tar.write(flag, at + 156, 'latin1');
      return resealHeader(tar, at);
    };
    const cases: Array<[string, () => Buffer, PackageErrorCode, string]> = [
      [
        'a hard link, with its target',
        () => writeTar(entriesFor(BASE, [{ path: 'copy.js', type: 'hardlink', linkName: 'index.js' }])),
        'LINK',
        'entry "copy.js" is a hard link (to "index.js")',
      ],
      [
        'a block device',
        () => writeTar(entriesFor(BASE, [{ path: 'sda', type: 'block-device' }])),
        'UNSUPPORTED_ENTRY',
        'entry "sda" is a block device; a package holds only files and folders',
      ],
      [
        'a contiguous file',
        () => withFlag('7'),
        'UNSUPPORTED_ENTRY',
        'entry "odd" is a contiguous file (not supported); a package holds only files and folders',
      ],
      [
        'an unknown type',
        () => withFlag('Z'),
        'UNSUPPORTED_ENTRY',
        'entry "odd" is of unknown type "Z"; a package holds only files and folders',
      ],
      [
        'a pax global header',
        () =>
          writeTar([
            { path: 'pax_global_header', type: 'pax-global-header', data: Buffer.from('x') },
            ...entriesFor(BASE),
          ]),
        'UNSUPPORTED_ENTRY',
        'entry "pax_global_header" is a pax global header (long names and attributes are not supported); a package holds only files and folders',
      ],
      [
        'a GNU long link',
        () =>
          writeTar([
            { path: '././@LongLink', type: 'gnu-long-link', data: Buffer.from('/etc\0') },
            ...entriesFor(BASE),
          ]),
        'UNSUPPORTED_ENTRY',
        'entry "././@LongLink" is a GNU long-link entry (not supported); a package holds only files and folders',
      ],
      [
        'a folder with data',
        () => writeTar([...entriesFor(BASE), { path: 'lib', type: 'directory', data: Buffer.from('x') }]),
        'NOT_A_PACKAGE',
        'entry "lib" is a folder with 1 bytes of data',
      ],
      [
        'a name that is not UTF-8',
        () => {
          const tar = writeTar(entriesFor(BASE));
          tar[0] = 0xff;
          return resealHeader(tar);
        },
        'UNSAFE_PATH',
        'byte 0: a name in the header is not UTF-8',
      ],
    ];
    for (const [name, tar, code, message] of cases) {
      it(name, async () => refused(await packageFile(tar()), {}, code, message));
    }
  });

  describe('refuses a CHECKSUMS that is not a plain listing of the other files', () => {
    it('not UTF-8', async () => {
      const entries = entriesFor(BASE);
      entries[0] = { path: CHECKSUMS_FILE, type: 'file', data: Buffer.from([0xff, 0xfe, 0x0a]) };
      await refused(await packageFile(writeTar(entries)), {}, 'BAD_CHECKSUM', 'CHECKSUMS is not UTF-8');
    });

    it('listing itself', async () => {
      const entries = entriesFor(BASE);
      const self = `${'0'.repeat(64)}  ${CHECKSUMS_FILE}\n`;
      entries[0] = {
        path: CHECKSUMS_FILE,
        type: 'file',
        data: Buffer.concat([Buffer.from(self), entries[0]?.data ?? Buffer.alloc(0)]),
      };
      await refused(await packageFile(writeTar(entries)), {}, 'BAD_CHECKSUM', 'CHECKSUMS lists itself');
    });

    it('empty, naming the first file it leaves out in path order', async () => {
      const entries: TarWriteEntry[] = [
        { path: CHECKSUMS_FILE, type: 'file', data: Buffer.alloc(0) },
        { path: 'manifest.yaml', type: 'file', data: Buffer.from(MANIFEST) },
        { path: 'index.js', type: 'file', data: Buffer.from(BASE['index.js']) },
      ];
      await refused(
        await packageFile(writeTar(entries)),
        {},
        'BAD_CHECKSUM',
        'entry "index.js" is not listed in CHECKSUMS',
      );
    });
  });

  describe('refuses a manifest that is not a mapping with a plugin name', () => {
    const cases: Array<[string, string, string]> = [
      ['a plain string', 'just words\n', 'name undefined'],
      ['a list', '- name\n- edge\n', 'name undefined'],
      ['null', 'null\n', 'name undefined'],
      ['a name that is not a string', 'name: 42\nversion: 1.0.0\n', 'name 42'],
    ];
    for (const [name, manifest, shown] of cases) {
      it(name, async () => {
        const file = await packageFile(writeTar(entriesFor({ ...BASE, 'manifest.yaml': manifest })));
        await refused(
          file,
          {},
          'BAD_MANIFEST',
          `manifest.yaml: ${shown} is not a plugin name (lower-case words joined by dashes)`,
        );
      });
    }

    it('YAML that does not parse: the first line of the parser’s complaint, its trailing colon only dropped', async () => {
      const complaint = (text: string): string => {
        try {
          parseYaml(text);
        } catch (error) {
          return errorMessage(error).split('\n')[0] ?? '';
        }
        assert.fail(`${text} parsed`);
      };
      // One complaint ends with a colon (the source excerpt follows on the next lines), the other
      // has its colon inside.
      const cases = ['name: [edge\n', 'name: *x\n'];
      const [withColon, inside] = cases.map(complaint);
      assert.match(withColon ?? '', /^.{10,}[^:]:$/);
      assert.match(inside ?? '', /^[^:]{10,}: \S+$/);
      for (const manifest of cases) {
        const file = await packageFile(writeTar(entriesFor({ ...BASE, 'manifest.yaml': manifest })));
        await refused(
          file,
          {},
          'BAD_MANIFEST',
          `manifest.yaml is not valid YAML: ${complaint(manifest).replace(/:$/, '')}`,
        );
      }
    });

    it('YAML that does not parse, on one line without a trailing colon', async () => {
      const file = await packageFile(writeTar(entriesFor({ ...BASE, 'manifest.yaml': 'name: [edge\n' })));
      const staging = join(file, '..', 'staging');
      mkdirSync(staging);
      const error = await packageFailure(readPackage(file, { stagingParent: staging }));
      assert.equal(error.code, 'BAD_MANIFEST');
      assert.match(error.message, /manifest\.yaml is not valid YAML: \S/);
      assert.ok(!error.message.endsWith(':'), error.message);
      assert.ok(!error.message.includes('\n'), error.message);
    });
  });

  it('names a manifest loadPlugin refuses by its place in the package, not the staging folder', async () => {
    const file = await packageFile(
      writeTar(entriesFor({ ...BASE, 'manifest.yaml': 'name: edge\nversion: 1.0.0\nentry: nothere.js\n' })),
    );
    const staging = join(file, '..', 'staging');
    mkdirSync(staging);
    const error = await packageFailure(readPackage(file, { stagingParent: staging }));
    assert.equal(error.code, 'BAD_MANIFEST');
    assert.equal(error.message, `${file}: manifest.yaml: entry nothere.js does not exist`);
    // loadPlugin's own error, with the staging path, stays attached for debugging.
    assert.ok(error.cause instanceof Error);
    assert.match(error.cause.message, /\.staging-.*manifest\.yaml: entry nothere\.js does not exist$/);
    assert.deepEqual(readdirSync(staging), []);
  });

  describe('fails outside the archive with the right code', () => {
    it('no such package file', async () => {
      const file = join(tempDir(), 'nothere.roseyplug');
      const error = await packageFailure(readPackage(file));
      assert.equal(error.code, 'NOT_FOUND');
      assert.equal(error.message, `${file}: no such file`);
      assert.equal((error.cause as NodeJS.ErrnoException | undefined)?.code, 'ENOENT');
    });

    it('a package over the limit is refused by its size, before it is read', async () => {
      // 3 GiB, sparse: more than any Node can read into one Buffer, so reading first would fail
      // differently (and a smaller file would only cost the memory this check is there to save).
      const file = join(tempDir(), 'huge.roseyplug');
      writeFileSync(file, '');
      truncateSync(file, 3 * 1024 ** 3);
      try {
        const error = await packageFailure(readPackage(file));
        assert.equal(error.code, 'TOO_LARGE');
        assert.equal(error.message, `${file}: the package is 3 GiB, over the limit of 20 MiB`);
      } finally {
        rmSync(file);
      }
    });

    it('a file cannot be written into the staging folder', async () => {
      // A staging folder deep enough that the folder is made but a 99-byte file name in it is past
      // the system's path limit (4096).
      const staging = deepDir(4000);
      const file = await packageFile(writeTar(entriesFor({ ...BASE, ['x'.repeat(99)]: 'x' })));
      const error = await packageFailure(readPackage(file, { stagingParent: staging }));
      assert.equal(error.code, 'IO_ERROR');
      assert.match(
        error.message,
        new RegExp(
          `^${escapeRegExp(file)}: could not unpack into ${escapeRegExp(staging)}/\\.staging-\\w+: ENAMETOOLONG`,
        ),
      );
      assert.deepEqual(readdirSync(staging), [], 'the staging folder is removed');
    });

    it('a folder is not a package', async () => {
      const dir = tempDir();
      const error = await packageFailure(readPackage(dir));
      assert.equal(error.code, 'NOT_A_PACKAGE');
      assert.equal(error.message, `${dir}: not a file`);
    });

    it('a path through a file cannot be read', async () => {
      const file = await packageFile(writeTar(entriesFor(BASE)));
      const error = await packageFailure(readPackage(join(file, 'inside')));
      assert.equal(error.code, 'IO_ERROR');
      assert.match(error.message, /: could not read: ENOTDIR/);
    });

    it('no staging folder can be made', async () => {
      const file = await packageFile(writeTar(entriesFor(BASE)));
      const parent = join(file, '..', 'missing');
      const error = await packageFailure(readPackage(file, { stagingParent: parent }));
      assert.equal(error.code, 'IO_ERROR');
      assert.match(error.message, /: could not make a staging folder in .*missing: ENOENT/);
    });
  });
});
