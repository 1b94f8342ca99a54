import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChannelSetup } from '../support/fake-cytube/channel.js';
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
  async function againstFake(password: string, channel: ChannelSetup = {}, env: NodeJS.ProcessEnv = {}) {
    const cytube = await startFakeCytube({
      accounts: { testbot: 'botpass123' },
      channels: { testchan: channel },
    });
    try {
      return await runScript({
        CYTUBE_URL: cytube.baseUrl,
        CYTUBE_CHANNEL: 'testchan',
        CYTUBE_USER: 'testbot',
        CYTUBE_PASSWORD: password,
        ...env,
      });
    } finally {
      await cytube.stop();
    }
  }

  it('passes when the bot answers !roll in the channel', async () => {
    const r = await againstFake('botpass123');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(
      /^test:e2e:cytube: PASS: testbot answered (e2e\d+)'s !roll 1d6 in testchan: \1 rolled 1d6: \d = \d\n$/,
    );
    expect(roseysOfThisScript()).to.deep.equal([]);
  });

  /**
   * An answer to the same tester from an earlier run, still in the channel's history. A d6 cannot
   * roll 7: this run's own answer can never look like it (with `4 = 4` the passing test failed
   * whenever the bot rolled a 4, one run in six).
   */
  const replayed = (tester: string) => ({
    username: 'testbot',
    msg: `${tester} rolled 1d6: 7 = 7`,
    meta: {},
    time: Date.now() - 3_600_000,
  });

  it('fails when the bot cannot speak, though the history replays an earlier run’s answer to the same tester (issue 21)', async () => {
    // Chat needs rank 3: the bot (rank 1) can say nothing, as in issue 21's second probe.
    const r = await againstFake(
      'botpass123',
      { permissions: { chat: 3 }, history: [replayed('e2erun')] },
      { CYTUBE_TESTER: 'e2erun', CYTUBE_TIMEOUT_MS: '20000' },
    );
    expect(r.stdout).to.not.match(/PASS/);
    expect(r.stderr).to.match(/FAIL: no answer from testbot to e2erun's !roll 1d6 within 20000 ms/);
    expect(r.code).to.equal(1);
    expect(roseysOfThisScript()).to.deep.equal([]);
  });

  it('passes on an answer to this run’s line while the history replays an older one (issue 21)', async () => {
    const r = await againstFake('botpass123', { history: [replayed('e2erun')] }, { CYTUBE_TESTER: 'e2erun' });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(
      /PASS: testbot answered e2erun's !roll 1d6 in testchan: e2erun rolled 1d6: \d = \d/,
    );
    expect(r.stdout).to.not.match(/7 = 7/);
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
