import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { writeContents, type Contents } from '../../plugin-packages/write-contents.js';
import { tempDir } from '../support/nats.js';
import { packageFailure } from '../support/package-failure.js';

function contents(files: Record<string, string>, dirs: string[] = []): Contents {
  return {
    files: new Map(Object.entries(files).map(([path, text]) => [path, Buffer.from(text)])),
    dirs: new Set(dirs),
  };
}

/** Runs `fn` with umask 0, so the modes written are the modes asked for. */
async function withoutUmask<T>(fn: () => Promise<T>): Promise<T> {
  const previous = process.umask(0);
  try {
    return await fn();
  } finally {
    process.umask(previous);
  }
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('writing a checked package into its staging folder', () => {
  it('makes folders 0755 (their parents too) and files 0644, parents of files included', async () => {
    const root = join(tempDir(), 'plugin');
    mkdirSync(root);
    await withoutUmask(() =>
      writeContents(root, contents({ 'lib/deep/a.js': 'a', 'b.js': 'b' }, ['empty/inner', 'lib'])),
    );
    assert.equal(readFileSync(join(root, 'lib/deep/a.js'), 'utf8'), 'a');
    assert.equal(readFileSync(join(root, 'b.js'), 'utf8'), 'b');
    assert.deepEqual(readdirSync(join(root, 'empty')), ['inner']);
    for (const dir of ['lib', 'lib/deep', 'empty', 'empty/inner'])
      assert.equal(mode(join(root, dir)), '755', dir);
    for (const file of ['lib/deep/a.js', 'b.js']) assert.equal(mode(join(root, file)), '644', file);
  });

  // Bug locked: staging without flag 'wx' follows a link (or a case-folded twin) already there and
  // writes wherever it points.
  it('does not write through a link already at a file’s path', async () => {
    const root = join(tempDir(), 'plugin');
    mkdirSync(root);
    const victim = join(tempDir(), 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(root, 'index.js'));
    await assert.rejects(writeContents(root, contents({ 'index.js': 'pwned' })), /EEXIST/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
  });

  it('does not write over a file already there', async () => {
    const root = join(tempDir(), 'plugin');
    mkdirSync(root);
    writeFileSync(join(root, 'index.js'), 'first');
    await assert.rejects(writeContents(root, contents({ 'index.js': 'second' })), /EEXIST/);
    assert.equal(readFileSync(join(root, 'index.js'), 'utf8'), 'first');
  });

  describe('refuses a path that would land outside the folder, writing nothing', () => {
    const escapes = (root: string) =>
      [
        ['a file climbing out', contents({ '../evil.js': 'x' })],
        ['a folder climbing out', contents({}, ['../evil'])],
        ['an absolute file path', contents({ [join(root, '..', 'evil.js')]: 'x' })],
        ['the folder itself', contents({}, [''])],
        [
          'a sibling whose name starts with the folder’s',
          contents({ [`../${basename(root)}-evil/x.js`]: 'x' }),
        ],
      ] as const;
    for (const [name] of escapes('/r')) {
      it(name, async () => {
        const parent = tempDir();
        const root = join(parent, 'plugin');
        mkdirSync(root);
        const [, what] = escapes(root).find(([label]) => label === name) ?? assert.fail();
        const error = await packageFailure(writeContents(root, what));
        assert.equal(error.code, 'UNSAFE_PATH');
        assert.match(error.message, /would be written outside the package$/);
        assert.deepEqual(readdirSync(parent), ['plugin']);
        assert.deepEqual(readdirSync(root), []);
        assert.ok(!existsSync(join(parent, 'evil.js')));
      });
    }
  });
});
