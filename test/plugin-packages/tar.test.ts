import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { PackageError } from '../../plugin-packages/package-error.js';
import {
  gunzipBounded,
  gzipPackage,
  readTar,
  writeTar,
  type TarWriteEntry,
} from '../../plugin-packages/tar.js';

function thrown(fn: () => unknown): PackageError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PackageError, String(error));
    return error;
  }
  assert.fail('expected a PackageError');
}

describe('the ustar writer and reader', () => {
  it('round-trips files and folders, with data, modes and 512-byte blocks', () => {
    const entries: TarWriteEntry[] = [
      { path: 'lib', type: 'directory' },
      { path: 'lib/a.js', type: 'file', data: Buffer.from('a'.repeat(513)) },
      { path: 'empty.txt', type: 'file' },
      { path: 'bin.dat', type: 'file', data: Buffer.from([0, 1, 2, 255]), mode: 0o600 },
    ];
    const tar = writeTar(entries);
    // 4 headers + 1024 + 0 + 512 bytes of padded data + 2 end blocks.
    assert.equal(tar.length, 512 * (4 + 2 + 0 + 1 + 2));
    const read = [...readTar(tar)];
    assert.deepEqual(
      read.map((entry) => [entry.path, entry.type, entry.mode, entry.data.toString('latin1')]),
      [
        ['lib', 'directory', 0o755, ''],
        ['lib/a.js', 'file', 0o644, 'a'.repeat(513)],
        ['empty.txt', 'file', 0o644, ''],
        ['bin.dat', 'file', 0o600, '\u0000\u0001\u0002\u00ff'],
      ],
    );
  });

  it('keeps a path over 100 bytes in the ustar prefix and refuses one that cannot be split', () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(90)}.js`;
    const [entry] = [...readTar(writeTar([{ path: long, type: 'file', data: Buffer.from('x') }]))];
    assert.equal(entry?.path, long);

    const unsplittable = 'f'.repeat(101);
    const error = thrown(() => writeTar([{ path: unsplittable, type: 'file' }]));
    assert.equal(error.code, 'UNSAFE_PATH');
    assert.match(error.message, /f{101}" is too long/);
  });

  it('keeps UTF-8 names', () => {
    const [entry] = [...readTar(writeTar([{ path: 'données/ünïcode-✓.md', type: 'file' }]))];
    assert.equal(entry?.path, 'données/ünïcode-✓.md');
  });

  it('reports the type of every entry as stored, links with their targets', () => {
    const tar = writeTar([
      { path: 'link', type: 'symlink', linkName: '/etc/passwd' },
      { path: 'hard', type: 'hardlink', linkName: 'file' },
      { path: 'dev', type: 'block-device' },
      { path: 'pipe', type: 'fifo' },
      { path: 'pax', type: 'pax-global-header', data: Buffer.from('x') },
      { path: 'long', type: 'gnu-long-link' },
    ]);
    assert.deepEqual(
      [...readTar(tar)].map((entry) => [entry.path, entry.type, entry.typeFlag, entry.linkName]),
      [
        ['link', 'symlink', '2', '/etc/passwd'],
        ['hard', 'hardlink', '1', 'file'],
        ['dev', 'block-device', '4', ''],
        ['pipe', 'fifo', '6', ''],
        ['pax', 'pax-global-header', 'g', ''],
        ['long', 'gnu-long-link', 'K', ''],
      ],
    );
  });

  it('reports an unknown type flag as unknown, with the flag', () => {
    const tar = writeTar([{ path: 'odd', type: 'file' }]);
    tar.write('Z', 156, 'latin1');
    // Re-seal the header so only the type is odd.
    tar.fill(' ', 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i += 1) sum += tar[i] ?? 0;
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const [entry] = [...readTar(tar)];
    assert.equal(entry?.type, 'unknown');
    assert.equal(entry?.typeFlag, 'Z');
  });

  it('refuses a header whose numbers are not octal', () => {
    const tar = writeTar([{ path: 'a', type: 'file', data: Buffer.from('x') }]);
    tar.write('99999999999\0', 124, 'latin1');
    const error = thrown(() => [...readTar(tar)]);
    assert.equal(error.code, 'NOT_A_PACKAGE');
  });

  it('refuses a header cut short', () => {
    const tar = writeTar([{ path: 'a', type: 'file' }]).subarray(0, 300);
    const error = thrown(() => [...readTar(tar)]);
    assert.equal(error.code, 'NOT_A_PACKAGE');
    assert.match(error.message, /truncated/);
  });

  it('gzips the same bytes every time, with the OS byte fixed, and gunzips them back', async () => {
    const tar = writeTar([{ path: 'a.txt', type: 'file', data: Buffer.from('hello') }]);
    const first = await gzipPackage(tar);
    const second = await gzipPackage(tar);
    assert.deepEqual(first, second);
    assert.equal(first[9], 255);
    assert.deepEqual(gunzipSync(first), tar);
    assert.deepEqual(await gunzipBounded(first, tar.length, 'x'), tar);
  });

  it('stops gunzip at the limit', async () => {
    const gz = await gzipPackage(Buffer.alloc(4096));
    await assert.rejects(gunzipBounded(gz, 4095, 'small.roseyplug'), (error: unknown) => {
      assert.ok(error instanceof PackageError);
      assert.equal(error.code, 'TOO_LARGE');
      assert.equal(error.message, 'small.roseyplug: unpacks to more than 4 KiB');
      return true;
    });
  });
});
