import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

/**
 * Issue 22: `rosey plugin build` packed code that did not load, and the install error that followed
 * had no line number; rebuilding the same version did not say it replaced the package.
 */
describe('rosey plugin build: checks that the code loads before packing it', function () {
  this.timeout(120_000);
  let cwd: string;
  let dir: string;
  let index: string;
  let good: string;
  const rosey = (args: string[]) => runCli(args, { cwd: dir, timeoutMs: 60_000 });
  const pkg = () => join(cwd, 'tally-0.1.0.roseyplug');

  before(async () => {
    cwd = tempDir();
    expect((await runCli(['plugin', 'create', 'tally'], { cwd })).code).to.equal(0);
    dir = join(cwd, 'tally');
    index = join(dir, 'index.js');
    good = readFileSync(index, 'utf8');
  });
  afterEach(() => writeFileSync(index, good));

  const refused = async (code: string, reason: RegExp) => {
    writeFileSync(index, code);
    const { code: exit, stdout, stderr } = await rosey(['plugin', 'build']);
    expect(exit).to.equal(1);
    expect(stdout).to.equal('');
    expect(stderr.trim().split('\n')).to.have.length(1);
    expect(stderr).to.match(reason);
    expect(existsSync(pkg()), 'nothing built').to.equal(false);
  };

  it('names the file and line that does not parse', async () => {
    const lines = good.split('\n');
    lines[6] = `${lines[6]},,`;
    await refused(
      lines.join('\n'),
      /^rosey plugin build: the plugin's code does not load: index\.js:7: SyntaxError: /,
    );
  });

  it('names where the code threw while loading', async () => {
    await refused(
      `${good}throw new Error('no config file');\n`,
      /does not load: index\.js:\d+:7: no config file\n$/,
    );
  });

  it('refuses an entry that does not export its plugin, or declares a bad command name', async () => {
    await refused(
      good.replace('export default ', 'const plugin = '),
      /index\.js must `export default definePlugin/,
    );
    await refused(good.replace('hello: {', "'Hello': {"), /command 'Hello': name: /);
  });

  it('lists the commands it built, and says when a rebuild replaced the package', async () => {
    const first = await rosey(['plugin', 'build']);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(
      /^built \.\.\/tally-0\.1\.0\.roseyplug \(tally 0\.1\.0, 5 files, .*; !hello\)\n$/,
    );
    const again = await rosey(['plugin', 'build']);
    expect(again.stdout).to.match(/; !hello\), replacing the package that was there\n$/);
  });

  it('with --test runs the tests first, and builds nothing when one fails', async () => {
    const built = pkg();
    if (existsSync(built)) writeFileSync(built, 'left from before');
    writeFileSync(index, good.replace('`Hello,', '`Howdy,'));
    const failed = await rosey(['plugin', 'build', '--test']);
    expect(failed.code).to.equal(1);
    expect(failed.stderr).to.match(
      /^rosey plugin build: the tests of tally failed \(exit 1\): nothing built\n$/,
    );
    expect(readFileSync(built, 'utf8')).to.equal('left from before');
    writeFileSync(index, good);
    const passed = await rosey(['plugin', 'build', '--test']);
    expect(passed.code, passed.stderr).to.equal(0);
    expect(passed.stdout)
      .to.include('ℹ pass 1')
      .and.match(/built \.\.\/tally-0\.1\.0\.roseyplug/);
  });
});
