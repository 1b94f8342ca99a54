import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startFakeCytube } from '../support/fake-cytube/index.js';

const SCRIPT = fileURLToPath(new URL('../live/cytube-live.js', import.meta.url));

function runScript(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CYTUBE_')));
    const [tagName, tagValue] = RUN_TAG.split('=') as [string, string];
    const child = spawn(process.execPath, [SCRIPT], { env: { ...clean, ...env, [tagName]: tagValue } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Rosey processes started by this test's runs of the script: they inherit a tag in their environment.
 * Issue 28: matching command lines machine-wide failed whenever another Rosey test ran on the machine.
 */
const RUN_TAG = `ROSEY_E2E_SCRIPT_RUN=${process.pid}-${Date.now()}`;
function roseysOfThisScript(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(RUN_TAG))
        found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

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
