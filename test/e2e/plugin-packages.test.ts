import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from '../../contract/nats.js';
import { fakePlatform } from '../support/fake-platform.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

/** Rosey's own connection, from the runtime file `rosey start` wrote (as the CLI finds it). */
async function roseyBus(cwd: string): Promise<NatsConnection> {
  const info = JSON.parse(readFileSync(join(cwd, 'data', 'rosey.runtime.json'), 'utf8')) as {
    natsUrl: string;
    natsUser?: string;
    natsPass?: string;
  };
  return connect({ servers: info.natsUrl, user: info.natsUser, pass: info.natsPass });
}

/** Edits a file of the scaffold in place. */
function edit(file: string, from: string | RegExp, to: string) {
  const text = readFileSync(file, 'utf8');
  expect(text).to.match(
    typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : from,
  );
  writeFileSync(file, text.replace(from, to));
}

describe('plugin packages end to end: create → test → build → install, then live upgrade, disable, enable, remove', function () {
  this.timeout(180_000);

  it('works from a clean temporary folder, against a running Rosey', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'rosey.yaml'), 'plugins:\n  builtin: false\n  reload:\n    graceMs: 200\n');
    const rosey = (args: string[], dir = cwd) => runCli(args, { cwd: dir, timeoutMs: 60_000 });

    const created = await rosey(['plugin', 'create', 'tally']);
    expect(created.stdout).to.equal('created tally in tally\nnext: cd tally && rosey plugin test\n');
    const dir = join(cwd, 'tally');

    // Issue 22: the scaffold's `npm test` needed `rosey` on PATH (it is not, here), and its teardown
    // threw a TypeError over testBot's own error when testBot could not start.
    const npmTest = (dir: string) => runCli([], { cwd: dir, shell: 'npm test', timeoutMs: 60_000 });
    const testFile = join(dir, 'test', 'tally.test.js');
    const good = readFileSync(testFile, 'utf8');
    edit(testFile, "dir: new URL('..', import.meta.url)", "dir: '/nonexistent'");
    const broken = await npmTest(dir);
    expect(broken.code).to.not.equal(0);
    expect(broken.stdout + broken.stderr)
      .to.include('/nonexistent')
      .and.not.include('TypeError');
    writeFileSync(testFile, good);

    const tested = await npmTest(dir);
    expect(tested.code, tested.stdout + tested.stderr).to.equal(0);
    expect(tested.stdout).to.include('ℹ pass 1').and.include('ℹ fail 0');

    const built = await rosey(['plugin', 'build'], dir);
    expect(built.code, built.stderr).to.equal(0);
    expect(built.stdout).to.match(
      /^built \.\.\/tally-0\.1\.0\.roseyplug \(tally 0\.1\.0, 5 files, [\d.]+ (B|KiB); !hello\)\n$/,
    );

    const installed = await rosey(['plugin', 'install', 'tally-0.1.0.roseyplug']);
    expect(installed.stdout).to.equal('installed tally 0.1.0 in data/plugins/tally; it starts with Rosey\n');

    const started = await rosey(['start', '--detach']);
    expect(started.code, started.stderr).to.equal(0);
    const nc = await roseyBus(cwd);
    try {
      const chat = await fakePlatform(nc);
      const say = async (text: string, expected: (reply: string) => boolean) => {
        const before = chat.replies.length;
        chat.say(text);
        return (await chat.reply((r) => chat.replies.indexOf(r) >= before && expected(r.text), text)).text;
      };
      expect(await say('!hello', (t) => t.startsWith('Hello'))).to.equal('Hello, alice! (greeting #1)');

      // A new version, installed while Rosey runs: blue-green, and its storage carries over.
      edit(join(dir, 'manifest.yaml'), 'version: 0.1.0', 'version: 0.2.0');
      edit(join(dir, 'index.js'), '`Hello,', '`Howdy,');
      edit(join(dir, 'test', 'tally.test.js'), /Hello, /g, 'Howdy, ');
      expect((await rosey(['plugin', 'build'], dir)).code).to.equal(0);
      const upgraded = await rosey(['plugin', 'install', 'tally-0.2.0.roseyplug']);
      expect(upgraded.code, upgraded.stderr).to.equal(0);
      expect(upgraded.stdout).to.match(
        /^installed tally 0\.2\.0 \(was 0\.1\.0\) in data\/plugins\/tally; upgraded the running 0\.1\.0 blue-green: serving after \d+ ms \(generation 2\)\n$/,
      );
      expect(await say('!hello', (t) => t.startsWith('Howdy'))).to.equal('Howdy, alice! (greeting #2)');

      const downgrade = await rosey(['plugin', 'install', 'tally-0.1.0.roseyplug']);
      expect(downgrade.code).to.equal(1);
      expect(downgrade.stderr).to.equal(
        'rosey plugin install: tally 0.2.0 is installed; installing 0.1.0 would downgrade it: use --force\n',
      );

      // A plugin Rosey has never seen, from a folder: it gets its own NATS user (a server reload).
      const notes = join(cwd, 'src', 'notes');
      mkdirSync(notes, { recursive: true });
      writeFileSync(
        join(notes, 'manifest.yaml'),
        'name: notes\nversion: 1.0.0\nentry: index.js\npermissions: [storage]\n',
      );
      writeFileSync(
        join(notes, 'index.js'),
        `import { definePlugin } from 'rosey/sdk';
export default definePlugin({ name: 'notes', commands: {
  note: { usage: 'note TEXT', cooldownMs: 0,
    run: async (ctx) => { await ctx.kv.set('last', ctx.argText); return 'noted: ' + (await ctx.kv.get('last')); } },
  shout: { usage: 'shout', cooldownMs: 0,
    run: async (ctx) => { try { await ctx.chat.send('HEY'); return 'shouted'; } catch (e) { return 'refused: ' + e.message; } } } } });
`,
      );
      const fresh = await rosey(['plugin', 'install', 'src/notes']);
      expect(fresh.stdout, fresh.stderr).to.equal(
        'installed notes 1.0.0 in data/plugins/notes; started it\n',
      );
      expect(await say('!note buy milk', (t) => t.startsWith('noted'))).to.equal('noted: buy milk');
      // Its own NATS user, limited to storage: the server itself refuses what it did not ask for.
      expect(await say('!shout', (t) => t.startsWith('refused'))).to.match(
        /^refused: notes may not chat\.send: 'chat\.send' is not granted/,
      );

      expect((await rosey(['plugin', 'disable', 'tally'])).stdout).to.equal('tally disabled and stopped\n');
      const listed = await rosey(['plugin', 'list']);
      expect(listed.stdout).to.match(/^tally +0\.2\.0 +disabled +- +- +-$/m);
      expect((await rosey(['plugin', 'enable', 'tally'])).stdout).to.equal('tally enabled and started\n');
      expect(await say('!hello', (t) => t.startsWith('Howdy'))).to.equal('Howdy, alice! (greeting #3)');

      const removed = await rosey(['plugin', 'remove', 'tally', '--purge-data', '--yes']);
      expect(removed.stdout, removed.stderr).to.equal('removed tally 0.2.0 (stopped it; deleted 1 key)\n');
      const gone = await rosey(['plugin', 'info', 'tally']);
      expect(gone.code).to.equal(1);
      expect(gone.stderr).to.equal('rosey plugin info: no plugin named tally (loaded: notes)\n');
      const unknown = await rosey(['plugin', 'remove', 'nope']);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.match(/^rosey plugin remove: nope is not installed in .*\n$/);
    } finally {
      await nc.close();
      await rosey(['stop']);
    }
    // Nothing half-written is left in the plugins folder.
    expect(readdirSync(join(cwd, 'data', 'plugins')).sort()).to.deep.equal(['notes']);
  });

  it('refuses a corrupt package in one line and installs nothing', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'broken.roseyplug'), 'not a package at all');
    const result = await runCli(['plugin', 'install', 'broken.roseyplug'], { cwd });
    expect(result.code).to.equal(1);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/^rosey plugin install: .*broken\.roseyplug.*gzip/);
    expect(
      existsSync(join(cwd, 'data', 'plugins')) ? readdirSync(join(cwd, 'data', 'plugins')) : [],
    ).to.deep.equal([]);
  });
});
