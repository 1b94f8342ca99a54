import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PackageError } from '../../plugin-packages/package-error.js';
import {
  gunzipBounded,
  gzipPackage,
  packTar,
  readTar,
  type PackEntry,
  type TarEntry,
} from '../../plugin-packages/tar.js';
import { resealHeader, writeTar } from '../support/craft-tar.js';

async function readAll(tar: Buffer): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  for await (const entry of readTar(tar)) entries.push(entry);
  return entries;
}

async function refusal(promise: Promise<unknown>): Promise<PackageError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PackageError, String(error));
    return error;
  }
  assert.fail('expected a PackageError');
}

const summary = (entries: TarEntry[]) =>
  entries.map((entry) => [entry.path, entry.type, entry.typeFlag, entry.linkName]);

describe('the tar layer of packages (tar-stream and the rules on top)', () => {
  it('packs files and folders that read back the same, in 512-byte blocks', async () => {
    const entries: PackEntry[] = [
      { path: 'lib', type: 'directory' },
      { path: 'lib/a.js', type: 'file', data: Buffer.from('a'.repeat(513)) },
      { path: 'empty.txt', type: 'file' },
      { path: 'bin.dat', type: 'file', data: Buffer.from([0, 1, 2, 255]) },
    ];
    const tar = await packTar(entries);
    // 4 headers + 1024 + 0 + 512 bytes of padded data + 2 end blocks.
    assert.equal(tar.length, 512 * (4 + 2 + 0 + 1 + 2));
    assert.deepEqual(
      (await readAll(tar)).map((entry) => [
        entry.path,
        entry.type,
        entry.mode,
        entry.data.toString('latin1'),
      ]),
      [
        ['lib', 'directory', 0o755, ''],
        ['lib/a.js', 'file', 0o644, 'a'.repeat(513)],
        ['empty.txt', 'file', 0o644, ''],
        ['bin.dat', 'file', 0o644, '\u0000\u0001\u0002\u00ff'],
      ],
    );
  });

  it('packs the same bytes on any machine at any time: mtime, owner and modes fixed', async () => {
    // A golden hash: a new tar-stream that writes these entries differently changes every
    // package's bytes, which the reproducible builds promise not to do unnoticed.
    const tar = await packTar([
      { path: 'lib', type: 'directory' },
      { path: 'lib/a.js', type: 'file', data: Buffer.from('export {};\n') },
    ]);
    assert.equal(tar.toString('latin1', 136, 147), '00000000000', 'mtime 0');
    assert.equal(
      createHash('sha256').update(tar).digest('hex'),
      '3a4d54ba71922846d7944455dc17d540033cc5885cd8c1ed8f347fb7190f3fe5',
    );
  });

  it('stores a folder with its trailing slash, as tars do', async () => {
    const tar = await packTar([{ path: 'lib', type: 'directory' }]);
    assert.equal(tar.toString('latin1', 0, 4), 'lib/');
  });

  describe('keeps every path in the plain ustar fields, and refuses one that would need a pax header', () => {
    const fits = [
      ['100 bytes in the name field', 'n'.repeat(100)],
      ['a folder of 100 bytes (101 with its slash)', 'd'.repeat(100), 'directory'],
      ['a 155-byte prefix and a 100-byte name', `${'p'.repeat(155)}/${'n'.repeat(100)}`],
      [
        'a prefix of two folders, 155 bytes with the slash',
        `${'a'.repeat(77)}/${'b'.repeat(77)}/${'n'.repeat(100)}`,
      ],
      ['a 100-byte folder under a folder (its name field left empty)', `lib/${'d'.repeat(100)}`, 'directory'],
      ['a long path split at its first fitting slash', `${'d'.repeat(120)}/${'f'.repeat(90)}.js`],
    ] as const;
    for (const [name, path, type = 'file'] of fits) {
      it(`packs ${name}`, async () => {
        const entries = await readAll(await packTar([{ path, type }]));
        assert.deepEqual(summary(entries), [[path, type, type === 'file' ? '0' : '5', '']]);
      });
    }

    const refused = [
      ['101 bytes without a slash', 'f'.repeat(101), /f{101}" is too long for a tar header$/],
      ['a 156-byte prefix', `${'p'.repeat(156)}/${'n'.repeat(100)}`, /is too long/],
      [
        'a prefix of two folders, 156 bytes with the slash',
        `${'a'.repeat(77)}/${'b'.repeat(78)}/${'n'.repeat(100)}`,
        /is too long/,
      ],
      ['a 101-byte name after the prefix', `${'p'.repeat(10)}/${'n'.repeat(101)}`, /is too long/],
      ['a name that is not ASCII', 'données.md', /"données\.md" is not ASCII/],
    ] as const;
    for (const [name, path, message, type = 'file'] of refused) {
      it(`refuses ${name}`, async () => {
        const error = await refusal(packTar([{ path, type }]));
        assert.equal(error.code, 'UNSAFE_PATH');
        assert.match(error.message, message);
      });
    }
  });

  it('reports the type of every entry as stored, links with their targets', async () => {
    const tar = writeTar([
      { path: 'link', type: 'symlink', linkName: '/etc/passwd' },
      { path: 'hard', type: 'hardlink', linkName: 'file' },
      { path: 'dev', type: 'block-device' },
      { path: 'chr', type: 'char-device' },
      { path: 'pipe', type: 'fifo' },
    ]);
    assert.deepEqual(summary(await readAll(tar)), [
      ['link', 'symlink', '2', '/etc/passwd'],
      ['hard', 'link', '1', 'file'],
      ['dev', 'block-device', '4', ''],
      ['chr', 'character-device', '3', ''],
      ['pipe', 'fifo', '6', ''],
    ]);
  });

  describe('reports the extension headers tar-stream would apply silently, as entries of their own', () => {
    const cases = [
      ['a pax header', 'pax-header', 'x', 'PaxHeaders/a', '20 path=../evil.js\n'],
      ['a pax global header', 'pax-global-header', 'g', 'GlobalHead', '20 path=../evil.js\n'],
      ['a GNU long name', 'gnu-long-name', 'L', '././@LongLink', '../evil.js\0'],
      ['a GNU long link', 'gnu-long-link', 'K', '././@LongLink', '/etc/passwd\0'],
    ] as const;
    const readAs = { 'gnu-long-name': 'gnu-long-path', 'gnu-long-link': 'gnu-long-link-path' } as const;
    for (const [name, type, flag, path, body] of cases) {
      const reported = type in readAs ? readAs[type as keyof typeof readAs] : type;
      it(`${name} before an entry`, async () => {
        const tar = writeTar([
          { path: 'a', type: 'file', data: Buffer.from('1') },
          { path, type, data: Buffer.from(body) },
          { path: 'b', type: 'file', data: Buffer.from('2') },
        ]);
        const entries = await readAll(tar);
        assert.deepEqual(summary(entries.slice(0, 2)), [
          ['a', 'file', '0', ''],
          [path, reported, flag, ''],
        ]);
      });
      it(`${name} at the end, applying to nothing`, async () => {
        const tar = writeTar([
          { path: 'a', type: 'file', data: Buffer.from('1') },
          { path, type, data: Buffer.from(body) },
        ]);
        assert.deepEqual(summary(await readAll(tar)), [
          ['a', 'file', '0', ''],
          [path, reported, flag, ''],
        ]);
      });
    }

    it('an extension header tar-stream refuses to apply, and then the reason', async () => {
      // A pax path with a NUL makes tar-stream fail on the header instead of applying it.
      const tar = writeTar([
        { path: 'PaxHeaders/a', type: 'pax-header', data: Buffer.from('19 path=../e\0il.js\n') },
        { path: 'a', type: 'file', data: Buffer.from('1') },
      ]);
      const seen: TarEntry[] = [];
      const error = await refusal(
        (async () => {
          for await (const entry of readTar(tar)) seen.push(entry);
        })(),
      );
      assert.deepEqual(summary(seen), [['PaxHeaders/a', 'pax-header', 'x', '']]);
      assert.equal(error.code, 'NOT_A_PACKAGE');
      assert.match(error.message, /^after byte 0: .*null byte/);
    });
  });

  it('reports an old GNU long name (flag N) as a GNU long name', async () => {
    const tar = writeTar([
      { path: '././@LongLink', type: 'gnu-long-name', data: Buffer.from('../evil.js\0') },
      { path: 'a', type: 'file' },
    ]);
    tar.write('N', 156, 'latin1');
    const [entry] = await readAll(resealHeader(tar));
    assert.deepEqual(summary(entry ? [entry] : []), [['././@LongLink', 'gnu-long-path', 'N', '']]);
  });

  it('names an extension header by its whole 100-byte name field', async () => {
    const name = `PaxHeaders/${'p'.repeat(89)}`;
    const tar = writeTar([
      { path: name, type: 'pax-header', data: Buffer.from('12 size=1\n') },
      { path: 'a', type: 'file' },
    ]);
    assert.ok(!tar.subarray(0, 100).includes(0), 'the name fills its field, with no NUL');
    const [entry] = await readAll(tar);
    assert.equal(entry?.path, name);
  });

  it('reports an unknown type flag as unknown, with the flag', async () => {
    const tar = writeTar([{ path: 'odd', type: 'file' }]);
    tar.write('Z', 156, 'latin1');
    const [entry] = await readAll(resealHeader(tar));
    assert.equal(entry?.type, 'unknown');
    assert.equal(entry?.typeFlag, 'Z');
  });

  it('decodes names as UTF-8 and refuses a name that is not', async () => {
    const [entry] = await readAll(writeTar([{ path: 'données/ünïcode-✓.md', type: 'file' }]));
    assert.equal(entry?.path, 'données/ünïcode-✓.md');

    const tar = writeTar([
      { path: 'a', type: 'file' },
      { path: 'bad', type: 'file' },
    ]);
    tar[512] = 0xff;
    const error = await refusal(readAll(resealHeader(tar, 512)));
    assert.equal(error.code, 'UNSAFE_PATH');
    assert.equal(error.message, 'byte 512: a name in the header is not UTF-8');
  });

  it('refuses a link target that is not UTF-8', async () => {
    const tar = writeTar([{ path: 'l', type: 'symlink', linkName: 'target' }]);
    tar[157] = 0xc3;
    const error = await refusal(readAll(resealHeader(tar)));
    assert.equal(error.code, 'UNSAFE_PATH');
  });

  it('refuses a header whose size is not a number', async () => {
    const tar = writeTar([{ path: 'a', type: 'file', data: Buffer.from('x') }]);
    tar.write('99999999999\0', 124, 'latin1');
    const error = await refusal(readAll(resealHeader(tar)));
    assert.equal(error.code, 'NOT_A_PACKAGE');
    assert.match(error.message, /^byte 0: not a valid tar header/);
  });

  it('refuses a header cut short, and an archive cut inside an entry', async () => {
    const short = await refusal(readAll(writeTar([{ path: 'a', type: 'file' }]).subarray(0, 300)));
    assert.equal(short.code, 'NOT_A_PACKAGE');
    assert.equal(short.message, 'truncated archive');

    const whole = writeTar([
      { path: 'a', type: 'file' },
      { path: 'big', type: 'file', data: Buffer.alloc(3000, 1) },
    ]);
    const cut = await refusal(readAll(whole.subarray(0, 1024 + 2999)));
    assert.equal(cut.message, 'truncated archive: entry "big" needs 3000 bytes, 2999 left');
    // All of the data, without its padding: the entry is whole, what should follow it is missing.
    const unpadded = await refusal(readAll(whole.subarray(0, 1024 + 3000)));
    assert.equal(unpadded.message, 'truncated archive: no end-of-archive marker');
    // Exactly the data and no end marker: the entry is whole, the archive is not.
    const noEnd = await refusal(readAll(whole.subarray(0, 1024 + 3072)));
    assert.equal(noEnd.message, 'truncated archive: no end-of-archive marker');
  });

  it('accepts an end marker of one zero block, and zeros after it', async () => {
    const tar = writeTar([{ path: 'a', type: 'file', data: Buffer.from('x') }]);
    assert.equal((await readAll(tar.subarray(0, tar.length - 512))).length, 1);
    assert.equal((await readAll(Buffer.concat([tar, Buffer.alloc(10 * 512)]))).length, 1);
  });

  it('refuses anything after the end marker, even one byte', async () => {
    const tar = writeTar([{ path: 'a', type: 'file', data: Buffer.from('x') }]);
    const after = Buffer.concat([tar, Buffer.alloc(512)]);
    after[after.length - 1] = 1;
    const error = await refusal(readAll(after));
    assert.equal(error.code, 'NOT_A_PACKAGE');
    assert.equal(error.message, 'data after the end-of-archive marker');

    const entryAfter = Buffer.concat([tar, writeTar([{ path: 'b', type: 'file' }])]);
    const hidden = await refusal(readAll(entryAfter));
    assert.equal(hidden.message, 'data after the end-of-archive marker');
  });

  it('refuses a folder entry with data, which tars read two ways', async () => {
    const tar = writeTar([{ path: 'd', type: 'directory', data: Buffer.from('x') }]);
    const error = await refusal(readAll(tar));
    assert.equal(error.code, 'NOT_A_PACKAGE');
    assert.equal(error.message, 'entry "d" is a folder with 1 bytes of data');
  });

  it('gzips the same bytes every time, with the OS byte fixed, and gunzips them back', async () => {
    const tar = await packTar([{ path: 'a.txt', type: 'file', data: Buffer.from('hello') }]);
    const first = await gzipPackage(tar);
    const second = await gzipPackage(tar);
    assert.deepEqual(first, second);
    assert.equal(first[9], 255);
    assert.deepEqual(gunzipSync(first), tar);
    assert.deepEqual(await gunzipBounded(first, tar.length, 'x'), tar);
  });

  it('gzips at the best compression', async () => {
    const tar = await packTar([
      { path: 'a.txt', type: 'file', data: Buffer.from('hello hello hello '.repeat(500)) },
    ]);
    const best = gzipSync(tar, { level: 9 });
    best[9] = 255;
    assert.deepEqual(await gzipPackage(tar), best);
  });

  it('refuses what does not start as gzip, and gzip that is cut short', async () => {
    for (const bytes of [[], [0x1f], [0x1f, 0x8c], [0x1e, 0x8b]]) {
      const error = await refusal(gunzipBounded(Buffer.from(bytes), 100, 'p'));
      assert.equal(error.code, 'NOT_A_PACKAGE');
      assert.equal(error.message, 'p: not a gzip file', JSON.stringify(bytes));
    }
    const cut = await refusal(gunzipBounded(Buffer.from([0x1f, 0x8b]), 100, 'p'));
    assert.equal(cut.code, 'NOT_A_PACKAGE');
    assert.match(cut.message, /^p: broken gzip data \(.+\)$/);
    // zlib's own error stays attached, for whoever needs more than the one line.
    assert.ok(cut.cause instanceof Error);
    assert.equal((cut.cause as NodeJS.ErrnoException).code, 'Z_BUF_ERROR');
  });

  it('stops gunzip at the limit', async () => {
    const gz = await gzipPackage(Buffer.alloc(4096));
    await assert.rejects(gunzipBounded(gz, 4095, 'small.roseyplug'), (error: unknown) => {
      assert.ok(error instanceof PackageError);
      assert.equal(error.code, 'TOO_LARGE');
      assert.equal(error.message, 'small.roseyplug: unpacks to more than 4 KiB');
      assert.equal((error.cause as NodeJS.ErrnoException | undefined)?.code, 'ERR_BUFFER_TOO_LARGE');
      return true;
    });
  });
});
