import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

/**
 * Issue 22: nothing could talk to a Rosey that was already running (`rosey dev` answered "already
 * running"), so a plugin installed into it could not be tried. `rosey chat` is a terminal chat with
 * it from another process.
 */
describe('rosey chat: a terminal chat with the running Rosey', function () {
  this.timeout(120_000);
  let cwd: string;
  let pid: number | undefined;
  const chat = (input: string, args: string[] = []) => runCli(['chat', ...args], { cwd, input });

  before(async () => {
    cwd = tempDir();
    // A plugin that sends private messages on its own (through the action gate), to the caller or
    // to someone else.
    const dir = join(cwd, 'my-plugins', 'whisper');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'manifest.yaml'),
      'name: whisper\nversion: 1.0.0\nentry: index.js\npermissions: [chat.pm]\n',
    );
    writeFileSync(
      join(dir, 'index.js'),
      `import { definePlugin } from 'rosey/sdk';
export default definePlugin({
  name: 'whisper',
  commands: {
    whisper: {
      usage: 'whisper NAME',
      cooldownMs: 0,
      run: async (ctx) => {
        try {
          await ctx.chat.pm(ctx.args[0] ?? ctx.user, 'psst from ' + ctx.user);
          return 'whispered';
        } catch (error) {
          return 'not whispered: ' + error.message;
        }
      },
    },
  },
});
`,
    );
    writeFileSync(join(cwd, 'rosey.yaml'), 'plugins:\n  paths: [my-plugins]\n');
    const notRunning = await chat('!roll\n');
    expect(notRunning.code).to.equal(1);
    expect(notRunning.stderr).to.match(/^rosey chat: Rosey is not running .*\n$/);
    const started = await runCli(['start', '--detach'], { cwd });
    expect(started.code, started.stderr).to.equal(0);
    pid = Number(/pid (\d+)/.exec(started.stdout)![1]);
  });

  after(() => {
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGTERM');
  });

  it('answers every piped line, private ones privately, and exits 0 once all are answered', async () => {
    const { code, stdout, stderr } = await chat('!roll 2d6\n/pm !flip\n!nope\n!roll 1d6\n', ['--as', 'ann']);
    expect(code, stderr).to.equal(0);
    expect(stderr).to.equal('');
    const lines = stdout.trim().split('\n').sort();
    expect(lines).to.have.length(4);
    expect(lines[0]).to.match(/^Rosey \(private\): ann flipped a coin: (heads|tails)$/);
    expect(lines[1]).to.equal('Rosey: Unknown command !nope — try !help.');
    expect(lines[2]).to.match(/^Rosey: ann rolled 1d6: [1-6] = [1-6]$/);
    expect(lines[3]).to.match(/^Rosey: ann rolled 2d6: [1-6], [1-6] = \d+$/);
  });

  it("prints a plugin's own private message to this session's user, and refuses one to anyone else", async () => {
    const { code, stdout } = await chat('!whisper\n!whisper bob\n', ['--as', 'cid']);
    expect(code).to.equal(0);
    expect(stdout.trim().split('\n').sort()).to.deep.equal([
      'Rosey (private): psst from cid',
      'Rosey: not whispered: bob is not in this chat',
      'Rosey: whispered',
    ]);
  });

  it('keeps concurrent sessions apart: each sees only the answers to its own lines', async () => {
    const [ann, bob] = await Promise.all([
      chat('!roll 1d6\n!roll 1d6\n!roll 1d6\n', ['--as', 'ann']),
      chat('!roll 1d6\n!roll 1d6\n!roll 1d6\n', ['--as', 'bob']),
    ]);
    for (const [name, run] of [
      ['ann', ann],
      ['bob', bob],
    ] as const) {
      expect(run.code, run.stderr).to.equal(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines, name).to.have.length(3);
      for (const line of lines) expect(line).to.match(new RegExp(`^Rosey: ${name} rolled 1d6: `));
    }
  });
});
