import { expect } from 'chai';
import { execSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startFakeCytube } from '../support/fake-cytube/index.js';

const SCRIPT = fileURLToPath(new URL('../live/cytube-live.js', import.meta.url));

function runScript(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CYTUBE_')));
    const child = spawn(process.execPath, [SCRIPT], { env: { ...clean, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Live `rosey start` processes the script started (their config lives in its temp folder). */
const roseysOfThisScript = () =>
  execSync('pgrep -f "run.js start --config .*rosey-e2e-cytub[e]-" || true', { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);

/** The opt-in script for a real server (`npm run test:e2e:cytube`), checked here against the fake. */
describe('test:e2e:cytube script', function () {
  this.timeout(90_000);

  it('fails loudly, testing nothing, when its variables are missing', async () => {
    const r = await runScript({ CYTUBE_URL: 'https://cytu.be' });
    expect(r.code).to.equal(2);
    expect(r.stderr.trim()).to.match(
      /^test:e2e:cytube: FAIL: set CYTUBE_CHANNEL, CYTUBE_USER, CYTUBE_PASSWORD .*Nothing was tested\.$/,
    );
  });

  /** The script against a fresh fake CyTube where `testbot`'s password is `botpass123`. */
  async function againstFake(password: string) {
    const cytube = await startFakeCytube({ accounts: { testbot: 'botpass123' }, channels: { testchan: {} } });
    try {
      return await runScript({
        CYTUBE_URL: cytube.baseUrl,
        CYTUBE_CHANNEL: 'testchan',
        CYTUBE_USER: 'testbot',
        CYTUBE_PASSWORD: password,
      });
    } finally {
      await cytube.stop();
    }
  }

  it('passes when the bot answers !roll in the channel', async () => {
    const r = await againstFake('botpass123');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/PASS: testbot answered in testchan: e2e\d+ rolled 1d6: \d = \d/);
    expect(roseysOfThisScript()).to.deep.equal([]);
  });

  it('fails with the reason when the bot cannot log in', async () => {
    const r = await againstFake('wrong');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(
      /FAIL: the bot could not join testchan: halted: CyTube refused the login for "testbot"/,
    );
    // …and it stopped the Rosey it had started.
    expect(r.stderr).to.not.match(/rosey stop:/);
    expect(roseysOfThisScript()).to.deep.equal([]);
  });
});
