import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

/**
 * Issue 22: `rosey plugin install` took a package file or a folder only, where the design documents'
 * workflow is `rosey plugin install https://github.com/user/markov-chat`. A local bare repository
 * stands in for the remote one (no network here); `file://` URLs go through git's transport.
 */
describe('rosey plugin install from a git repository', function () {
  this.timeout(120_000);
  let cwd: string;
  let repo: string;
  const commits: Record<string, string> = {};
  const rosey = (args: string[]) => runCli(args, { cwd, timeoutMs: 60_000 });
  const git = (dir: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  const installedVersion = () =>
    /^version: (.+)$/m.exec(
      readFileSync(join(cwd, 'data', 'plugins', 'tally', 'manifest.yaml'), 'utf8'),
    )?.[1];
  const clonesLeft = () => readdirSync(tmpdir()).filter((f) => f.startsWith('rosey-git-')).length;

  before(async () => {
    cwd = tempDir();
    expect((await rosey(['plugin', 'create', 'tally'])).code).to.equal(0);
    const work = join(cwd, 'tally');
    git(work, 'init', '-q', '-b', 'main');
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'first');
    git(work, 'tag', 'v0.1.0');
    commits.first = git(work, 'rev-parse', 'HEAD').trim();
    const manifest = join(work, 'manifest.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('version: 0.1.0', 'version: 0.3.0'));
    git(work, 'checkout', '-qb', 'next');
    git(work, 'commit', '-qam', 'on a branch');
    git(work, 'checkout', '-q', 'main');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('version: 0.1.0', 'version: 0.2.0'));
    git(work, 'commit', '-qam', 'second');
    writeFileSync(join(work, 'index.js'), 'export default {,};\n');
    git(work, 'commit', '-qam', 'broken');
    git(work, 'tag', 'broken');
    git(work, 'reset', '-q', '--hard', 'HEAD~1');
    repo = join(cwd, 'tally.git');
    git(cwd, 'clone', '-q', '--bare', work, repo);
  });

  it('installs a tag, the default branch, another branch or a commit, and says which', async () => {
    const before = clonesLeft();
    const tag = await rosey(['plugin', 'install', repo, '--ref', 'v0.1.0']);
    expect(tag.code, tag.stderr).to.equal(0);
    expect(tag.stdout).to.equal(
      `installed tally 0.1.0 from ${repo} (v0.1.0, commit ${commits.first!.slice(0, 12)}) in data/plugins/tally; it starts with Rosey\n`,
    );
    const head = await rosey(['plugin', 'install', `file://${repo}`]);
    expect(head.stdout).to.match(
      /^installed tally 0\.2\.0 \(was 0\.1\.0\) from file:\/\/.* \(commit [0-9a-f]{12}\) in /,
    );
    expect(installedVersion()).to.equal('0.2.0');
    const branch = await rosey(['plugin', 'install', repo, '--ref', 'next']);
    expect(branch.code, branch.stderr).to.equal(0);
    expect(installedVersion()).to.equal('0.3.0');
    const commit = await rosey(['plugin', 'install', repo, '--ref', commits.first!, '--force']);
    expect(commit.code, commit.stderr).to.equal(0);
    expect(installedVersion()).to.equal('0.1.0');
    // The package is built from the clone without the repository's history or the Rosey link.
    expect(existsSync(join(cwd, 'data', 'plugins', 'tally', '.git'))).to.equal(false);
    expect(clonesLeft()).to.equal(before);
  });

  it('refuses, in one line and installing nothing: an unknown ref, a missing repository, code that does not load', async () => {
    const before = clonesLeft();
    const cases: Array<[string[], RegExp]> = [
      [[repo, '--ref', 'v9'], /^rosey plugin install: .*tally\.git has no tag, branch or commit v9\n$/],
      [[join(cwd, 'nothing.git')], /^rosey plugin install: cannot clone .*nothing\.git: .*\n$/],
      [
        [repo, '--ref', 'broken'],
        /^rosey plugin install: the plugin's code does not load: index\.js:1: SyntaxError: /,
      ],
      [[join(cwd, 'tally'), '--ref', 'v0.1.0'], /^rosey plugin install: --ref is for a git repository; /],
    ];
    const version = installedVersion();
    for (const [args, said] of cases) {
      const { code, stdout, stderr } = await rosey(['plugin', 'install', ...args]);
      expect(code, args.join(' ')).to.equal(1);
      expect(stdout).to.equal('');
      expect(stderr).to.match(said);
    }
    expect(installedVersion()).to.equal(version);
    expect(clonesLeft()).to.equal(before);
  });
});
