import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCacheEnv, enableCompileCache, type CompileCacheApi } from '../../process/compile-cache.js';
import { tempDir } from '../support/nats.js';

const UID = process.getuid!();
const ENABLED = 1; // module.constants.compileCacheStatus.ENABLED

/** node:module's compile-cache API as Node ≥ 22.1 has it, recording the directory it was given. */
function fakeApi(answer?: (dir: string) => ReturnType<NonNullable<CompileCacheApi['enableCompileCache']>>) {
  const calls: Array<string | undefined> = [];
  const api: CompileCacheApi = {
    enableCompileCache: (dir) => {
      calls.push(dir);
      return answer ? answer(dir!) : { status: ENABLED, directory: dir };
    },
  };
  return { api, calls };
}

// V8's code cache holds bytecode that runs as the process's own code. Node's default directory
// ($TMPDIR/node-compile-cache) is shared by every user of the machine: Rosey must use one only this
// user can write to, and never fail to start because it cannot have one.
describe('compile cache (process/compile-cache.ts)', () => {
  it('uses a directory of its own under $TMPDIR, private to the user', () => {
    const tmp = tempDir();
    const { api, calls } = fakeApi();
    const outcome = enableCompileCache({ api, env: {}, tmpDir: tmp });
    const dir = join(tmp, `rosey-compile-cache-${UID}`);
    expect(outcome).to.deep.equal({ enabled: true, directory: dir });
    expect(calls).to.deep.equal([dir]);
    expect(statSync(dir).mode & 0o777).to.equal(0o700);
  });

  it('reuses the directory a previous start made', () => {
    const tmp = tempDir();
    mkdirSync(join(tmp, `rosey-compile-cache-${UID}`), { mode: 0o700 });
    const { api } = fakeApi();
    expect(enableCompileCache({ api, env: {}, tmpDir: tmp }).enabled).to.equal(true);
  });

  it('refuses a directory another user could have filled', () => {
    const cases: Array<[string, (tmp: string) => { uid?: number }]> = [
      // The name is `uid`'s, the directory someone else's (here: the test's user, not `uid`).
      [
        'belongs to another user',
        (tmp) => (mkdirSync(join(tmp, `rosey-compile-cache-${UID + 1}`)), { uid: UID + 1 }),
      ],
      [
        'is writable by other users',
        (tmp) => {
          const dir = join(tmp, `rosey-compile-cache-${UID}`);
          mkdirSync(dir);
          chmodSync(dir, 0o777);
          return {};
        },
      ],
      [
        'is not a directory',
        (tmp) => {
          const elsewhere = tempDir();
          chmodSync(elsewhere, 0o700);
          symlinkSync(elsewhere, join(tmp, `rosey-compile-cache-${UID}`));
          return {};
        },
      ],
    ];
    for (const [reason, prepare] of cases) {
      const tmp = tempDir();
      const { uid } = prepare(tmp);
      const { api, calls } = fakeApi();
      const outcome = enableCompileCache({ api, env: {}, tmpDir: tmp, uid });
      expect(outcome.enabled, reason).to.equal(false);
      expect(outcome.enabled === false && outcome.reason, reason).to.include(reason);
      expect(calls, reason).to.deep.equal([]);
    }
  });

  it('starts without a cache when it cannot have one, and never throws', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    const noDir = fakeApi();
    expect(enableCompileCache({ api: noDir.api, env: {}, tmpDir: file }).enabled).to.equal(false);
    expect(noDir.calls).to.deep.equal([]);

    const failed = fakeApi(() => ({ status: 0, message: 'Cannot create cache directory: EACCES' }));
    expect(enableCompileCache({ api: failed.api, env: {}, tmpDir: tempDir() })).to.deep.equal({
      enabled: false,
      reason: 'Cannot create cache directory: EACCES',
    });

    const throwing: CompileCacheApi = {
      enableCompileCache: () => {
        throw new Error('boom');
      },
    };
    expect(enableCompileCache({ api: throwing, env: {}, tmpDir: tempDir() })).to.deep.equal({
      enabled: false,
      reason: 'boom',
    });

    expect(enableCompileCache({ api: {}, env: {}, tmpDir: tempDir() }).enabled).to.equal(false);
  });

  it("follows Node's own switches: NODE_COMPILE_CACHE chooses the directory, NODE_DISABLE_COMPILE_CACHE turns it off", () => {
    const tmp = tempDir();
    const chosen = fakeApi();
    expect(
      enableCompileCache({ api: chosen.api, env: { NODE_COMPILE_CACHE: '/some/dir' }, tmpDir: tmp }),
    ).to.deep.equal({
      enabled: true,
      directory: '/some/dir',
    });
    const off = fakeApi();
    expect(
      enableCompileCache({ api: off.api, env: { NODE_DISABLE_COMPILE_CACHE: '1' }, tmpDir: tmp }).enabled,
    ).to.equal(false);
    expect(off.calls).to.deep.equal([]);
    expect(existsSync(join(tmp, `rosey-compile-cache-${UID}`))).to.equal(false);
  });

  it("hands a child process this process's directory, or nothing", () => {
    expect(compileCacheEnv('/c')).to.deep.equal({ NODE_COMPILE_CACHE: '/c' });
    expect(compileCacheEnv(undefined)).to.deep.equal({});
  });

  it("is on with this Node's real API exactly when Node has one (≥ 22.1)", () => {
    const tmp = tempDir();
    const helper = fileURLToPath(new URL('../../process/compile-cache.js', import.meta.url));
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import m from 'node:module'; const { enableCompileCache, compileCacheEnv } = await import(${JSON.stringify(helper)});
         const outcome = enableCompileCache({ tmpDir: ${JSON.stringify(tmp)}, env: {} });
         console.log(JSON.stringify({ outcome, has: typeof m.enableCompileCache === 'function', dir: compileCacheEnv().NODE_COMPILE_CACHE }));`,
      ],
      { encoding: 'utf8' },
    );
    const { outcome, has, dir } = JSON.parse(out) as {
      outcome: { enabled: boolean };
      has: boolean;
      dir?: string;
    };
    expect(outcome.enabled).to.equal(has);
    expect(dir).to.equal(has ? join(tmp, `rosey-compile-cache-${UID}`) : undefined);
  });
});
