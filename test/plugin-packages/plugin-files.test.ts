import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { listPluginFiles } from '../../plugin-packages/plugin-files.js';
import { tempDir } from '../support/nats.js';
import { packageFailure } from '../support/package-failure.js';

describe('the files of a plugin folder', () => {
  it('lists files and folders in path order, not in the order a walk meets them', async () => {
    // A walk takes `a` and everything in it before `a.js`; in path order `.` comes before `/`.
    const dir = tempDir();
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    mkdirSync(join(dir, 'a.d'));
    writeFileSync(join(dir, 'a', 'x.js'), 'x');
    writeFileSync(join(dir, 'a.js'), 'x');
    assert.deepEqual(await listPluginFiles(dir), {
      files: ['a.js', 'a/x.js'],
      dirs: ['a', 'a.d', 'a/b'],
    });
  });

  it('refuses what is neither a file, a folder nor a link, naming it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'index.js'), 'x');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, 'control.sock'), resolve));
    try {
      const error = await packageFailure(listPluginFiles(dir));
      assert.equal(error.code, 'UNSUPPORTED_ENTRY');
      assert.equal(error.message, `"control.sock" in ${dir} is not a regular file or folder`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
