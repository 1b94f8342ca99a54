import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeNode } from '../../supervisors/describe-tree.js';
import { isAlive, runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

/** Node prints every CommonJS module it loads to stderr with this set; oclif is CommonJS. */
const TRACE_MODULES = { NODE_DEBUG: 'module' };
const loadedOclif = (stderr: string) => stderr.includes('/@oclif/core/');
/** What oclif prints, without Node's module trace. */
const printed = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => !/^MODULE \d+: /.test(line))
    .join('\n');

// A cold `rosey status` ran through oclif: ~70 modules and a quarter of its time before it asked
// Rosey anything (issue 16, target 300 ms), and Rosey itself started inside oclif. With plain
// arguments `status`, `dev` and `start` now run without it (cli/fast-path.ts); a flag the fast path
// leaves to oclif (`--timeout`, `--rank`) runs the same command through oclif, so the cases below
// run both ways and must print the same.
describe('rosey status, dev and start without oclif', function () {
  this.timeout(90_000);
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGTERM');
  });

  it('fails as the oclif command does: the same line on stderr, the same exit code', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'conf'));
    writeFileSync(join(cwd, 'bad.yaml'), 'bot: 3\n');
    const cases = [
      [], // not running
      ['-c', 'missing.yaml'],
      ['--config', 'conf'],
      ['-c', 'bad.yaml'],
      ['--json', '--data-dir', 'elsewhere'],
      ['--nats-url', 'nats://127.0.0.1:1'],
    ];
    for (const args of cases) {
      const fast = await runCli(['status', ...args], { cwd, env: TRACE_MODULES });
      const oclif = await runCli(['status', ...args, '--timeout', '5000'], { cwd, env: TRACE_MODULES });
      const label = args.join(' ') || '(no flags)';
      expect(loadedOclif(fast.stderr), `${label}: the fast path loaded oclif`).to.equal(false);
      expect(loadedOclif(oclif.stderr), `${label}: --timeout ran without oclif`).to.equal(true);
      expect(fast.code, label).to.equal(1);
      expect(fast.code, label).to.equal(oclif.code);
      expect(fast.stdout, label).to.equal('');
      expect(printed(fast.stderr), label).to.match(/^rosey status: .+\n$/);
      expect(printed(fast.stderr), label).to.equal(printed(oclif.stderr));
    }
  });

  it('prints the running Rosey as the oclif command does', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'rosey.yaml'), 'dataDir: state\n');
    const launched = await runCli(['start', '--detach', '-c', 'rosey.yaml'], { cwd, env: TRACE_MODULES });
    expect(launched.code, printed(launched.stderr)).to.equal(0);
    const pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);
    started.push(pid);
    // Neither `start --detach` nor the Rosey it started in the background (its output in rosey.out).
    expect(loadedOclif(launched.stderr), 'start --detach loaded oclif').to.equal(false);
    const out = readFileSync(join(cwd, 'state', 'logs', 'rosey.out'), 'utf8');
    expect(out).to.match(/^MODULE \d+: /m);
    expect(loadedOclif(out), 'the background Rosey loaded oclif').to.equal(false);

    const fast = await runCli(['status', '--json', '-c', 'rosey.yaml'], { cwd, env: TRACE_MODULES });
    const oclif = await runCli(['status', '--json', '-c', 'rosey.yaml', '--timeout', '5000'], {
      cwd,
      env: TRACE_MODULES,
    });
    expect(fast.code, fast.stderr).to.equal(0);
    expect(oclif.code, oclif.stderr).to.equal(0);
    expect(loadedOclif(fast.stderr)).to.equal(false);
    expect(printed(fast.stderr)).to.equal(printed(oclif.stderr));
    // The figures (uptimes, CPU, memory) move between the two calls; the tree does not.
    type Status = { pid: number; version: string; tree: TreeNode };
    const shape = (s: Status): unknown => {
      const walk = (n: TreeNode): unknown => [n.id, n.kind, (n.children ?? []).map(walk)];
      return [s.pid, s.version, walk(s.tree)];
    };
    const [a, b] = [JSON.parse(fast.stdout) as Status, JSON.parse(oclif.stdout) as Status];
    expect(a.pid).to.equal(pid);
    expect(shape(a)).to.deep.equal(shape(b));

    const text = await runCli(['status', '-c', 'rosey.yaml'], { cwd });
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(new RegExp(`^Rosey \\d+\\.\\d+\\.\\d+  pid ${pid}`));

    const stopped = await runCli(['stop', '-c', 'rosey.yaml'], { cwd });
    expect(stopped.code, stopped.stderr).to.equal(0);
  });

  it('runs `rosey dev` as the oclif command does', async () => {
    const input = '!roll 1d1\n!flip\n';
    const fast = await runCli(['dev'], { cwd: tempDir(), input, env: TRACE_MODULES });
    const oclif = await runCli(['dev', '--rank', '1'], { cwd: tempDir(), input, env: TRACE_MODULES });
    expect(fast.code, printed(fast.stderr)).to.equal(0);
    expect(oclif.code, printed(oclif.stderr)).to.equal(0);
    expect(loadedOclif(fast.stderr), 'the fast path loaded oclif').to.equal(false);
    expect(loadedOclif(oclif.stderr), '--rank ran without oclif').to.equal(true);
    expect(fast.stdout).to.match(/^Rosey: you rolled 1d1: 1 = 1$/m);
    const lines = (stdout: string) => stdout.split('\n').filter((l) => !/flip|heads|tails/i.test(l));
    expect(lines(fast.stdout)).to.deep.equal(lines(oclif.stdout));
  });
});
