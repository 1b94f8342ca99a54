import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginRow } from '../../contract/messages/plugins.js';
import { findNode, type TreeNode } from '../../supervisors/describe-tree.js';
import { isAlive, runCli, spawnCli } from '../support/cli.js';
import { writeFlipPlugin } from '../support/flip-plugin.js';
import { eventually, tempDir } from '../support/nats.js';

describe('rosey plugin list / reload against a running Rosey', function () {
  this.timeout(90_000);

  it('lists plugins, reloads one blue-green, refuses unknown and unhealthy ones in one line', async () => {
    const cwd = tempDir();
    writeFlipPlugin(join(cwd, 'my-plugins'), { version: '1.0.0' });
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      'plugins:\n  paths: [my-plugins]\n  reload:\n    graceMs: 200\n    healthAttempts: 2\n',
    );
    const notRunning = await runCli(['plugin', 'list'], { cwd });
    expect(notRunning.code).to.equal(1);
    expect(notRunning.stderr).to.match(/^rosey plugin list: Rosey is not running .*\n$/);

    const launched = await runCli(['start', '--detach'], { cwd });
    expect(launched.code, launched.stderr).to.equal(0);
    const pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);
    try {
      const listed = await runCli(['plugin', 'list'], { cwd });
      expect(listed.code, listed.stderr).to.equal(0);
      const lines = listed.stdout.trim().split('\n');
      expect(lines[0]).to.match(/^NAME +VERSION +STATE +GEN +RESTARTS +PID$/);
      expect(lines.find((l) => l.startsWith('flip'))).to.match(/^flip +1\.0\.0 +running +1 +0 +\d+$/);
      expect(lines.find((l) => l.startsWith('dice'))).to.match(/^dice +\S+ +running +1 +0 +\d+$/);

      writeFlipPlugin(join(cwd, 'my-plugins'), { version: '1.1.0' });
      const reloaded = await runCli(['plugin', 'reload', 'flip'], { cwd });
      expect(reloaded.code, reloaded.stderr).to.equal(0);
      expect(reloaded.stdout).to.match(
        /^reloaded flip 1\.0\.0 → 1\.1\.0 \(generation 2\): serving after \d+ ms\n$/,
      );

      const json = await runCli(['plugin', 'list', '--json'], { cwd });
      const flip = (JSON.parse(json.stdout) as PluginRow[]).find((p) => p.name === 'flip');
      expect(flip).to.include({ version: '1.1.0', generation: 2, state: 'running', reloading: false });
      const status = await runCli(['status', '--json'], { cwd });
      const tree = (JSON.parse(status.stdout) as { tree: TreeNode }).tree;
      expect(findNode(tree, 'flip@1')).to.equal(undefined);
      expect(findNode(tree, 'flip@2')?.info).to.include({ version: '1.1.0', generation: 2 });

      const unknown = await runCli(['plugin', 'reload', 'nope'], { cwd });
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.equal(
        'rosey plugin reload: no plugin named nope (loaded: chat-stats, countdown, dice, flip, magic-8ball, quote-db, trivia)\n',
      );

      writeFlipPlugin(join(cwd, 'my-plugins'), { version: '2.0.0', mode: 'unhealthy' });
      const refused = await runCli(['plugin', 'reload', 'flip'], { cwd });
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.equal(
        'rosey plugin reload: reload of flip failed while checking the new generation’s health: the plugin reports itself unhealthy; 1.1.0 (generation 2) keeps serving\n',
      );
      const still = await runCli(['plugin', 'list', '--json'], { cwd });
      expect((JSON.parse(still.stdout) as PluginRow[]).find((p) => p.name === 'flip')).to.include({
        version: '1.1.0',
        generation: 2,
        state: 'running',
      });

      const stopped = await runCli(['stop'], { cwd });
      expect(stopped.code, stopped.stderr).to.equal(0);
      expect(isAlive(pid)).to.equal(false);
    } finally {
      if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    }
  });
});

describe('rosey plugin info of a failed plugin', function () {
  this.timeout(90_000);

  // Issue 22: `plugin info` showed `failed (generation 4, 0 restarts)` with no reason and no next step.
  it('says why it failed and the command that brings it back, and that command works', async () => {
    const cwd = tempDir();
    writeFlipPlugin(join(cwd, 'my-plugins'), { version: '1.0.0', mode: 'no-start' });
    writeFileSync(join(cwd, 'rosey.yaml'), 'plugins:\n  paths: [my-plugins]\n');
    const launched = await runCli(['start', '--detach'], { cwd });
    expect(launched.code, launched.stderr).to.equal(0);
    const pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);
    try {
      let info = await runCli(['plugin', 'info', 'flip'], { cwd });
      await eventually(async () => {
        info = await runCli(['plugin', 'info', 'flip'], { cwd });
        return /state: +failed/.test(info.stdout);
      }, 'flip marked failed');
      const lines = info.stdout.split('\n');
      expect(lines).to.include('  state:   failed (generation 1)');
      const listed = await runCli(['plugin', 'list'], { cwd });
      expect(listed.stdout).to.match(/^flip +1\.0\.0 +failed +1 +- +-$/m);
      expect(lines.find((l) => l.startsWith('  reason:  '))).to.match(/refusing to start/);
      const revive = /^ {2}revive: +fix the cause, then `(rosey [^`]+)`$/m.exec(info.stdout);
      expect(revive?.[1]).to.equal('rosey plugin reload flip');

      writeFlipPlugin(join(cwd, 'my-plugins'), { version: '1.0.0' });
      const revived = await runCli(revive![1]!.split(' ').slice(1), { cwd });
      expect(revived.code, revived.stderr).to.equal(0);
      const after = await runCli(['plugin', 'info', 'flip'], { cwd });
      expect(after.stdout).to.match(/^ {2}state: +running \(generation 2, pid \d+, 0 restarts\)$/m);
      expect(after.stdout).to.not.match(/revive:/);
    } finally {
      if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    }
  });
});

describe('rosey dev --watch', function () {
  this.timeout(90_000);

  it('reloads a plugin blue-green when its files change, and keeps the old one when the new one is broken', async () => {
    const cwd = tempDir();
    writeFlipPlugin(join(cwd, 'my-plugins'), { version: '1.0.0' });
    writeFileSync(join(cwd, 'rosey.yaml'), 'plugins:\n  paths: [my-plugins]\n  reload:\n    graceMs: 100\n');
    const dev = spawnCli(['dev', '--watch', '-c', 'rosey.yaml'], { cwd });
    const log = () =>
      existsSync(join(cwd, 'data/logs/rosey.log'))
        ? readFileSync(join(cwd, 'data/logs/rosey.log'), 'utf8')
        : '';
    try {
      dev.say('!v 1');
      await eventually(() => dev.lines.includes('Rosey: 1.0.0:1'), 'v1 answering', 20_000);

      writeFlipPlugin(join(cwd, 'my-plugins'), { version: '1.1.0' });
      await eventually(() => log().includes('reloaded flip: 1.1.0 (generation 2)'), 'the reload', 20_000);
      // An editor's burst of writes is one reload, not several.
      expect(log().match(/flip changed: reloading/g)).to.have.length(1);
      dev.say('!v 2');
      await eventually(() => dev.lines.includes('Rosey: 1.1.0:2'), 'v1.1 answering', 10_000);

      writeFileSync(join(cwd, 'my-plugins/flip/index.js'), 'export default 42;\n');
      await eventually(
        () =>
          /reload of flip after a change failed: .*1\.1\.0 \(generation 2\) keeps serving/.test(dev.stderr()),
        'the failure on stderr',
        20_000,
      );
      dev.say('!v 3');
      await eventually(() => dev.lines.includes('Rosey: 1.1.0:3'), 'v1.1 still answering', 10_000);
      dev.end();
      expect(await dev.exited).to.equal(0);
    } finally {
      dev.child.kill('SIGKILL');
    }
  });
});
