import { expect } from 'chai';
import nodeModule from 'node:module';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

const hasCompileCache =
  typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((name) => join(dir, name))
      .filter((path) => statSync(path).isFile());
  } catch {
    return [];
  }
}

// The `rosey` command turns on V8's compile cache for itself and its plugin processes (Node ≥ 22.1,
// process/compile-cache.ts). A cache is an optimisation: one Rosey cannot create, or one whose files
// are garbage, must cost a slower start and nothing else.
describe('rosey dev with a compile cache it cannot use', function () {
  this.timeout(120_000);

  it('starts and answers when $TMPDIR has no room for the cache', async () => {
    const tmp = join(tempDir(), 'a-file');
    writeFileSync(tmp, '');
    const { code, stdout, stderr } = await runCli(['dev'], {
      cwd: tempDir(),
      input: '!roll 2d6\n',
      env: { TMPDIR: tmp },
    });
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/rolled 2d6: /);
  });

  it('starts and answers (a plugin process too) when every file of the cache is garbage', async () => {
    const tmp = tempDir();
    const cwd = tempDir();
    const first = await runCli(['dev'], { cwd, input: '!roll 2d6\n', env: { TMPDIR: tmp } });
    expect(first.code, first.stderr).to.equal(0);
    const files = filesUnder(join(tmp, `rosey-compile-cache-${process.getuid!()}`));
    // Main's modules and the dice process's (the runner, the SDK, the NATS client) when Node has a
    // compile cache; nothing at all on Node 20.
    if (hasCompileCache) expect(files.length).to.be.greaterThan(100);
    else expect(files).to.deep.equal([]);
    for (const file of files) writeFileSync(file, 'not V8 code cache '.repeat(64));
    const again = await runCli(['dev'], { cwd, input: '!roll 2d6\n', env: { TMPDIR: tmp } });
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/rolled 2d6: /);
  });
});
