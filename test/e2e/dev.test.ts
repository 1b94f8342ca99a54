import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROSEY_BIN, runCli, spawnCli } from '../support/cli.js';
import { eventually, tempDir } from '../support/nats.js';

describe('rosey dev (end to end, through the CLI)', function () {
  this.timeout(60_000);

  it("answers `printf '!roll 2d6\\n!flip\\n' | rosey dev` on stdout and exits 0", async () => {
    const cwd = tempDir();
    const { code, stdout, stderr } = await runCli(['dev'], { cwd, input: '!roll 2d6\n!flip\n' });
    expect(code, stderr).to.equal(0);
    const lines = stdout.trim().split('\n').sort();
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^Rosey: you flipped a coin: (heads|tails)$/);
    const roll = /^Rosey: you rolled 2d6: ([1-6]), ([1-6]) = (\d+)$/.exec(lines[1]!);
    expect(roll, lines[1]).to.not.equal(null);
    expect(Number(roll![1]) + Number(roll![2])).to.equal(Number(roll![3]));
    expect(stderr).to.equal('');
    // Logs went to the log file, and the runtime file is gone after a clean shutdown.
    const log = readFileSync(join(cwd, 'data', 'logs', 'rosey.log'), 'utf8');
    expect(log).to.include('Rosey is up').and.include('Rosey stopped');
    expect(existsSync(join(cwd, 'data', 'rosey.runtime.json'))).to.equal(false);
  });

  // Issue 16: lines piped while Rosey started were dispatched in one burst, the per-user cooldown
  // warned about the second and dropped the rest without a word (4 of 11 lines got no answer).
  it('answers every one of 11 scripted lines, those sent while it starts included', async () => {
    const dev = spawnCli(['dev'], { cwd: tempDir() });
    const script = [
      '!quote',
      '!quote',
      '!8ball will it answer?',
      '!8ball and again?',
      '!roll 2d6',
      '!quote',
      '!quote',
      '!8ball once more?',
      '!quote',
      '!flip',
      '!quote',
    ];
    try {
      // Written before the process has even loaded: read and sent while the tree starts.
      for (const line of script.slice(0, 5)) dev.say(line);
      await eventually(() => dev.lines.length > 0, 'a first answer', 30_000);
      // The rest in one go once it answers: all well inside any cooldown window.
      for (const line of script.slice(5)) dev.say(line);
      dev.end();
      expect(await dev.exited, dev.stderr()).to.equal(0);
    } finally {
      dev.child.kill('SIGKILL');
    }
    const all = dev.lines.join('\n');
    const count = (pattern: RegExp) => dev.lines.filter((l) => pattern.test(l)).length;
    expect(count(/^Rosey: #\d+: /), all).to.equal(6);
    expect(count(/^Rosey: 🎱 /), all).to.equal(3);
    expect(count(/^Rosey: you rolled 2d6: /), all).to.equal(1);
    expect(count(/^Rosey: you flipped a coin: /), all).to.equal(1);
    expect(dev.lines, all).to.have.length(script.length);
  });

  // A script of more than 200 lines got 200 answers and "* not sent (200 messages are already
  // waiting for the message bus)" for every line after: the console's publisher refused what came
  // while the bus was confirming the lines before (stop 41; 800 of 1,000 lines not sent).
  it('answers every line of a 1,000-line script piped in at once', async () => {
    const input = Array.from({ length: 1000 }, (_, i) => `!roll 1d6+${1 + (i % 99)}\n`).join('');
    const { code, stdout, stderr } = await runCli(['dev'], { cwd: tempDir(), input });
    expect(code, stderr).to.equal(0);
    const lines = stdout.trim().split('\n');
    expect(
      lines.filter((l) => l.includes('not sent')),
      'lines not sent',
    ).to.deep.equal([]);
    expect(lines.filter((l) => /^Rosey: you rolled 1d6\+\d+: [1-6] \+ \d+ = \d+$/.test(l))).to.have.length(
      1000,
    );
  });

  it('applies cooldowns in the terminal chat with --cooldowns, warning once per window', async () => {
    const { code, stdout, stderr } = await runCli(['dev', '--cooldowns'], {
      cwd: tempDir(),
      input: '!quote\n!quote\n!quote\n',
    });
    expect(code, stderr).to.equal(0);
    const lines = stdout.trim().split('\n');
    // Three lines in one burst: one answer, one warning, and the third dropped in the same window.
    expect(lines.filter((l) => l.startsWith('Rosey: Slow down: !quote is available'))).to.have.length(1);
    expect(lines, stdout).to.have.length(2);
  });

  it('takes --as and --rank', async () => {
    const { code, stdout } = await runCli(['dev', '--as', 'alice', '--rank', '3'], {
      cwd: tempDir(),
      input: '!flip\n',
    });
    expect(code).to.equal(0);
    expect(stdout).to.match(/^Rosey: alice flipped a coin/);
  });

  it('survives hostile chat input and still exits 0', async () => {
    const hostile = [
      '',
      '   ',
      '!',
      '!!!',
      '\u0000\u0007\u001b[2J',
      '!roll \u001b[31m2d6',
      '日本語のテキスト 🎲',
      '!roll ' + 'x'.repeat(100_000),
      '!roll ' + Array.from({ length: 1000 }, (_, i) => `a${i}`).join(' '),
      '!help roll',
      '!roll 2d6',
    ].join('\n');
    const { code, stdout, stderr } = await runCli(['dev'], { cwd: tempDir(), input: hostile + '\n' });
    expect(code, stderr).to.equal(0);
    const lines = stdout.trim().split('\n');
    expect(lines.every((l) => l.startsWith('Rosey: '))).to.equal(true);
    // eslint-disable-next-line no-control-regex
    expect(lines.join('\n')).to.not.match(/[\u0000-\u0008\u000b-\u001f]/);
    expect(stdout)
      .to.include('too long')
      .and.include('too many arguments (max 100)')
      .and.include('Rosey: !roll [N]d<S>');
    expect(stdout).to.match(/you rolled 2d6: \d, \d = \d+/);
  });

  it('exits 1 with one line when the log file cannot be written', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'data', 'logs', 'rosey.log'), { recursive: true });
    const { code, stderr } = await runCli(['dev'], { cwd, input: '!flip\n' });
    expect(code).to.equal(1);
    expect(stderr.trim().split('\n')).to.have.length(1);
    expect(stderr).to.match(/^rosey dev: cannot start: cannot open the log file .*rosey\.log: EISDIR/);
  });

  it('ends quietly when whoever reads its output goes away (rosey dev | head -1)', async () => {
    const cwd = tempDir();
    const lines = Array.from({ length: 50 }, () => '!roll 2d6').join('\\n');
    const { code, stdout, stderr } = await runCli([], {
      cwd,
      shell: `printf '${lines}\\n' | "${process.execPath}" "${ROSEY_BIN}" dev | head -1; echo "rosey exit \${PIPESTATUS[1]}" >&2`,
    });
    expect(code).to.equal(0);
    expect(stdout).to.match(/^Rosey: you rolled 2d6: /);
    expect(stderr).to.match(/rosey exit 0\n$/);
    expect(stderr).to.not.match(/Error|EPIPE|at /);
  });

  it('exits 1 with one line naming the bad key for a bad config file', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'bad.yaml'), 'router:\n  commandTimeoutMs: soon\n');
    const { code, stdout, stderr } = await runCli(['dev', '--config', 'bad.yaml'], { cwd });
    expect(code).to.equal(1);
    expect(stdout).to.equal('');
    expect(stderr.trim().split('\n')).to.have.length(1);
    expect(stderr).to.match(/^rosey dev: .*bad\.yaml: router\.commandTimeoutMs: /);
  });

  it('says how to install nats-server when it is missing', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'rosey.yaml'), 'nats:\n  binary: /nonexistent/nats-server\n');
    const { code, stderr } = await runCli(['dev', '-c', 'rosey.yaml'], { cwd });
    expect(code).to.equal(1);
    expect(stderr).to.match(
      /^rosey dev: cannot start: .*nats-server not found .*apt-get install nats-server/,
    );
    expect(stderr.trim().split('\n')).to.have.length(1);
  });

  it('exits 1 with one line when NATS_URL points nowhere', async () => {
    const { code, stderr } = await runCli(['dev'], {
      cwd: tempDir(),
      env: { NATS_URL: 'nats://127.0.0.1:1' },
    });
    expect(code).to.equal(1);
    expect(stderr).to.match(
      /^rosey dev: cannot start: failed to start infra: failed to start bus: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/,
    );
    expect(stderr.trim().split('\n')).to.have.length(1);
  });

  it('skips a plugin folder without a valid manifest with one warning, and keeps working', async () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'my-plugins', 'broken'), { recursive: true });
    writeFileSync(join(cwd, 'my-plugins', 'broken', 'manifest.yaml'), 'name: broken\n');
    writeFileSync(join(cwd, 'rosey.yaml'), 'plugins:\n  paths: [my-plugins]\n');
    const { code, stdout, stderr } = await runCli(['dev', '-c', 'rosey.yaml'], { cwd, input: '!flip\n' });
    expect(code).to.equal(0);
    expect(stdout).to.match(/flipped a coin/);
    expect(stderr.trim().split('\n')).to.have.length(1);
    expect(stderr).to.match(/WARN: .*plugin skipped: .*broken\/manifest\.yaml: version/);
  });
  // Issue 22: a plugin that failed to start showed nothing on stderr (it was silenced while Rosey
  // started), and its command was answered only "Unknown command".
  it('reports a plugin that failed to start on stderr, and names it when its command is unknown', async () => {
    const cwd = tempDir();
    const dir = join(cwd, 'my-plugins', 'karma');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.yaml'), 'name: karma\nversion: 0.1.0\nentry: index.js\n');
    writeFileSync(join(dir, 'index.js'), "throw new Error('boom at load');\n");
    writeFileSync(join(cwd, 'rosey.yaml'), 'plugins:\n  paths: [my-plugins]\n');
    const { code, stdout, stderr } = await runCli(['dev', '-c', 'rosey.yaml'], {
      cwd,
      input: '!karma\n!flip\n',
    });
    expect(code, stderr).to.equal(0);
    expect(stderr).to.match(
      /ERROR: .*start failed: cannot load .*karma\/index\.js: index\.js:1:7: boom at load/,
    );
    expect(stdout).to.match(/flipped a coin/);
    expect(stdout).to.match(/^Rosey: Unknown command !karma — try !help\. \(not running: karma\)$/m);
  });
});
