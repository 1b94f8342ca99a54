import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findNode, type TreeNode } from '../../supervisors/describe-tree.js';
import { isAlive, runCli } from '../support/cli.js';
import { fakeClient } from '../support/fake-cytube/client.js';
import { startFakeCytube } from '../support/fake-cytube/index.js';
import { eventually, tempDir } from '../support/nats.js';

describe('rosey start with a CyTube channel (fake CyTube server)', function () {
  this.timeout(90_000);

  it('joins the channel, answers !roll there, and shows the connector in rosey status (also when kicked)', async () => {
    const cytube = await startFakeCytube({
      accounts: { alice: 'alicepass', testbot: 'botpass123' },
      channels: { testchan: { ranks: { alice: 5, testbot: 1 } } },
    });
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      `platforms:\n  cytube:\n    server: ${cytube.baseUrl}\n    channel: testchan\n    username: testbot\n`,
    );
    // The password comes from the environment, as an operator would keep it out of the file.
    const env = { CYTUBE_PASSWORD: 'botpass123' };
    let pid: number | undefined;
    const alice = await fakeClient(cytube.baseUrl, 'testchan', {
      name: 'alice',
      password: 'alicepass',
      localAddress: '127.0.78.10',
    });
    try {
      const launched = await runCli(['start', '--detach', '-c', 'rosey.yaml'], { cwd, env });
      expect(launched.code, launched.stderr).to.equal(0);
      pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);
      const connector = async () => {
        const r = await runCli(['status', '--json'], { cwd });
        return r.code === 0
          ? findNode((JSON.parse(r.stdout) as { tree: TreeNode }).tree, 'cytube')
          : undefined;
      };
      await eventually(
        async () => (await connector())?.info?.state === 'ready',
        'the connector in the channel',
        20_000,
      );

      alice.say('!roll 1d6');
      const reply = await alice.waitFor<{ username: string; msg: string }>(
        'chatMsg',
        (m) => m.username === 'testbot',
        10_000,
      );
      expect(reply.msg).to.match(/^alice rolled 1d6: \d = \d$/);

      const text = await runCli(['status'], { cwd });
      expect(text.stdout).to.match(/cytube.*ready/);

      cytube.channel('testchan').kick('testbot', 'enough');
      await eventually(
        async () => (await connector())?.info?.state === 'halted',
        'the connector halted',
        10_000,
      );
      expect((await connector())!.info!.reason).to.equal('kicked from testchan: enough');
      const after = await runCli(['status'], { cwd });
      expect(after.stdout).to.match(/cytube.*halted.*kicked from testchan: enough/);

      const halted = await runCli(['cytube', 'status'], { cwd });
      expect(halted.code, halted.stderr).to.equal(0);
      expect(halted.stdout.split('\n')[0]).to.equal(
        `CyTube ${cytube.baseUrl} channel testchan: halted (kicked from testchan: enough)`,
      );

      // The operator dealt with it: back in without restarting Rosey.
      const rejoin = await runCli(['cytube', 'rejoin'], { cwd });
      expect(rejoin.code, rejoin.stderr).to.equal(0);
      expect(rejoin.stdout.trim()).to.equal(
        'Rejoining (was halted: kicked from testchan: enough). `rosey cytube status` shows how it goes.',
      );
      await eventually(
        async () => (await connector())?.info?.state === 'ready',
        'the connector back',
        20_000,
      );
      // Polled: right after `ready` the join burst may still be coming in (the user list, the
      // history replay that confirms the answer sent before the kick). A CI run under load once saw
      // the first status differ here; the output is in the message if it ever does for good.
      // `deferred` counts a line sent more than 5 ms after it was queued: a loaded CI made the
      // answer to alice 1 once (stop 41), so its value is not asserted.
      let back = await runCli(['cytube', 'status'], { cwd });
      const settled =
        /: ready\n {2}bot testbot, rank 1\n {2}users \(2\): alice 5, testbot 1\n[\s\S]*sent 1, deferred [01], refused 0, dropped 0, failed 0, server drops 0, waiting 0/;
      await eventually(
        async () => settled.test((back = await runCli(['cytube', 'status'], { cwd })).stdout),
        'the connector settled after the rejoin',
        10_000,
      ).catch(() => undefined);
      expect(back.stdout, back.stdout).to.match(settled);
      const again = await runCli(['cytube', 'rejoin'], { cwd });
      expect(again.code).to.equal(1);
      expect(again.stderr.trim()).to.equal(
        'rosey cytube rejoin: the connector is ready, not halted or waiting to reconnect',
      );

      const stopped = await runCli(['stop'], { cwd });
      expect(stopped.code, stopped.stderr).to.equal(0);
      expect(isAlive(pid)).to.equal(false);
    } finally {
      if (pid && isAlive(pid)) process.kill(pid, 'SIGTERM');
      await alice.close();
      await cytube.stop();
    }
  });

  it('rosey cytube status says so, in one line, when Rosey has no CyTube connector', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'rosey.yaml'), 'dataDir: state\n');
    const launched = await runCli(['start', '--detach'], { cwd });
    expect(launched.code, launched.stderr).to.equal(0);
    const pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);
    try {
      const r = await runCli(['cytube', 'status'], { cwd });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(
        'rosey cytube status: this Rosey has no CyTube connector (platforms.cytube is not in its configuration)\n',
      );
    } finally {
      await runCli(['stop'], { cwd });
      if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    }
  });

  it('refuses a config whose bot name is not a valid CyTube name, in one line', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      `bot:\n  name: Rosey Bot\nplatforms:\n  cytube:\n    channel: testchan\n`,
    );
    const r = await runCli(['start', '--detach', '-c', 'rosey.yaml'], { cwd });
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(
      /platforms\.cytube\.username: bot\.name "Rosey Bot" is not a valid CyTube name/,
    );
  });
});
