import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

/** A plugin outside Rosey's tree that tries to kick whoever it is told to. */
function kickerPlugin(cwd: string, permissions: string[]) {
  const dir = join(cwd, 'plugins', 'kicker');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'manifest.yaml'),
    `name: kicker\nversion: 1.0.0\nentry: index.js\npermissions: [${permissions.join(', ')}]\n`,
  );
  writeFileSync(
    join(dir, 'index.js'),
    `import { definePlugin } from 'rosey/sdk';
export default definePlugin({
  name: 'kicker',
  commands: {
    kick: {
      usage: 'kick USER',
      cooldownMs: 0,
      run: async (ctx) => {
        try {
          await ctx.users.kick(ctx.args[0], 'too loud');
          return 'kicked';
        } catch (error) {
          return 'refused: ' + error.code;
        }
      },
    },
  },
});
`,
  );
}

describe('capabilities in rosey dev (embedded nats-server, per-plugin NATS users)', function () {
  this.timeout(60_000);

  it('a plugin without users.kick cannot kick: the NATS server refuses it, and the violation is reported', async () => {
    const cwd = tempDir();
    kickerPlugin(cwd, []);
    writeFileSync(join(cwd, 'rosey.yaml'), 'plugins:\n  builtin: false\n  paths: [plugins]\n');
    const { code, stdout, stderr } = await runCli(['dev', '-c', 'rosey.yaml'], { cwd, input: '!kick you\n' });
    expect(code, stderr).to.equal(0);
    expect(stdout.trim()).to.equal('Rosey: refused: FORBIDDEN');
    expect(stderr).to.include(
      "kicker was not granted 'users.kick': the NATS server refused to let it publish on rosey.actions.kicker.users.kick",
    );
  });

  it('granted by the operator in config, the kick reaches the console platform', async () => {
    const cwd = tempDir();
    kickerPlugin(cwd, []);
    writeFileSync(
      join(cwd, 'rosey.yaml'),
      'plugins:\n  builtin: false\n  paths: [plugins]\n  settings:\n    kicker:\n      permissions:\n        grant: [users.kick]\n',
    );
    const { code, stdout, stderr } = await runCli(['dev', '-c', 'rosey.yaml'], { cwd, input: '!kick you\n' });
    expect(code, stderr).to.equal(0);
    expect(stdout.trim().split('\n').sort()).to.deep.equal([
      '* Rosey kicked you (too loud)',
      'Rosey: kicked',
    ]);
    expect(stderr).to.equal('');
  });

  it('refuses to start a plugin that asks for an unknown permission, saying which', async () => {
    const cwd = tempDir();
    kickerPlugin(cwd, ['users.ban']);
    writeFileSync(join(cwd, 'rosey.yaml'), 'plugins:\n  builtin: false\n  paths: [plugins]\n');
    const { stderr } = await runCli(['dev', '-c', 'rosey.yaml'], { cwd, input: '' });
    expect(stderr).to.include("unknown permission 'users.ban' (known: chat.send, chat.pm, playlist.add");
  });
});
