import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findNode, type TreeNode } from '../../supervisors/describe-tree.js';
import { isAlive, runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

/**
 * `rosey restart` in its three forms (issue 19), with real processes: a plugin's cold restart, the
 * whole Rosey stopped and started again with the same configuration and data, and the path form of
 * OTP's restart_child.
 */
describe('rosey restart [PLUGIN | PATH]', function () {
  this.timeout(180_000);

  it("restarts a running plugin's process cold, the whole Rosey with its configuration and data, and says why not otherwise", async () => {
    const cwd = tempDir('rosey-restart-cli-');
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      'bot:\n  name: Bea\ndataDir: ./state\nlog: { stderrLevel: silent }\n',
    );
    const status = async () => {
      const r = await runCli(['status', '--json', '-c', 'rosey.yaml'], { cwd });
      expect(r.code, r.stderr).to.equal(0);
      return JSON.parse(r.stdout) as { pid: number; tree: TreeNode };
    };
    const roll = async () => {
      const r = await runCli(['chat', '-c', 'rosey.yaml'], { cwd, input: '!roll 1d6\n' });
      expect(r.code, r.stderr).to.equal(0);
      return r.stdout.trim();
    };
    let pid: number | undefined;
    try {
      const started = await runCli(['start', '--detach', '-c', 'rosey.yaml'], { cwd });
      expect(started.code, started.stderr).to.equal(0);
      pid = Number(/pid (\d+)/.exec(started.stdout)![1]);
      const before = findNode((await status()).tree, 'dice@1')!;
      const dicePid = before.info!.pid as number;

      const plugin = await runCli(['restart', 'dice', '-c', 'rosey.yaml'], { cwd });
      expect(plugin.code, plugin.stderr).to.equal(0);
      expect(plugin.stdout.trim()).to.match(
        /^restarted dice 1\.0\.0: generation 1 → 2, serving again after \d+ ms$/,
      );
      // Cold: the old process is gone, a new one serves, and answers at once.
      expect(isAlive(dicePid)).to.equal(false);
      const after = await status();
      expect(findNode(after.tree, 'dice@1')).to.equal(undefined);
      expect(findNode(after.tree, 'dice@2')!.status).to.equal('running');
      expect(after.pid).to.equal(pid);
      expect(await roll()).to.match(/^Bea: you rolled 1d6: \d = \d$/);

      const path = await runCli(['restart', 'plugins/dice', '-c', 'rosey.yaml'], { cwd });
      expect(path.code).to.equal(1);
      expect(path.stderr.trim()).to.match(/^rosey restart: plugins is a dynamic supervisor/);
      const unknown = await runCli(['restart', 'nosuch', '-c', 'rosey.yaml'], { cwd });
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr.trim()).to.match(
        /^rosey restart: no plugin named nosuch \(loaded: chat-stats, countdown, dice, /,
      );

      const bad = await runCli(['restart', 'Bad_Name', '-c', 'rosey.yaml'], { cwd });
      expect(bad.code).to.equal(1);
      expect(bad.stderr.trim()).to.equal(
        'rosey restart: Bad_Name is not a plugin name, nor a path of child ids (rosey status shows both; rosey restart --help)',
      );

      const whole = await runCli(['restart', '-c', 'rosey.yaml'], { cwd });
      expect(whole.code, whole.stderr).to.equal(0);
      const [, oldPid, newPid] =
        /^Rosey restarted \(pid (\d+) → (\d+)\); output in .*state\/logs\/rosey\.out\.$/.exec(
          whole.stdout.trim(),
        )!;
      expect(Number(oldPid)).to.equal(pid);
      expect(isAlive(pid)).to.equal(false);
      pid = Number(newPid);
      expect(isAlive(pid)).to.equal(true);
      // Up (it said so only once its tree ran), in the same data directory, with the same configuration.
      const runtime = JSON.parse(readFileSync(join(cwd, 'state', 'rosey.runtime.json'), 'utf8')) as {
        pid: number;
        configFile: string;
      };
      expect(runtime.pid).to.equal(pid);
      expect(runtime.configFile).to.equal(join(cwd, 'rosey.yaml'));
      expect(findNode((await status()).tree, 'dice@1')!.status).to.equal('running');
      expect(await roll()).to.match(/^Bea: you rolled 1d6: \d = \d$/);

      const stopped = await runCli(['stop', '-c', 'rosey.yaml'], { cwd });
      expect(stopped.code, stopped.stderr).to.equal(0);
      const notRunning = await runCli(['restart', '-c', 'rosey.yaml'], { cwd });
      expect(notRunning.code).to.equal(1);
      expect(notRunning.stderr.trim()).to.match(/^rosey restart: Rosey is not running with data in .*state/);
    } finally {
      if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('--help explains the three forms', async () => {
    const help = await runCli(['restart', '--help'], { cwd: tempDir() });
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('`rosey restart` stops the running Rosey');
    expect(help.stdout).to.include("`rosey restart PLUGIN` is a plugin's cold restart");
    expect(help.stdout).to.include('`rosey restart PATH`');
  });
});
