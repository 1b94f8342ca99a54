import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/nats.js';

/** A pid no process has: past the kernel's default pid_max. */
const DEAD = 4_194_304 + 17;

/** A data directory as a kill -9 and an interrupted install leave it, next to what must stay. */
function messyDataDir() {
  const cwd = tempDir('rosey-clean-');
  const data = join(cwd, 'data');
  const plugins = join(data, 'plugins');
  const logs = join(data, 'logs');
  mkdirSync(join(plugins, 'dice'), { recursive: true });
  mkdirSync(logs, { recursive: true });
  const runtime = {
    pid: DEAD,
    version: '0.1.0',
    natsUrl: 'nats://127.0.0.1:41000',
    startedAt: new Date().toISOString(),
  };
  writeFileSync(join(data, 'rosey.runtime.json'), JSON.stringify(runtime));
  writeFileSync(join(data, 'rosey.pid'), `${DEAD}\n`);
  writeFileSync(
    join(data, 'nats-server-41000.conf'),
    'authorization { users = [ { user: "rosey", password: "x" } ] }\n',
  );
  writeFileSync(join(data, `plugin-commands.json.${DEAD}.tmp`), '{');
  writeFileSync(join(data, `plugin-commands.json.${process.pid}.tmp`), '{'); // a live writer's
  writeFileSync(join(data, 'rosey.db'), 'database');
  writeFileSync(join(plugins, 'dice', 'manifest.yaml'), 'name: dice\n');
  const hourAgo = new Date(Date.now() - 2 * 3_600_000);
  for (const name of ['.staging-abc', '.old-def', '.staging-fresh']) {
    mkdirSync(join(plugins, name, 'x'), { recursive: true });
    writeFileSync(join(plugins, name, 'x', 'index.js'), 'export {}\n');
  }
  utimesSync(join(plugins, '.staging-abc'), hourAgo, hourAgo);
  utimesSync(join(plugins, '.old-def'), hourAgo, hourAgo);
  // keep: 2 beside the file being written.
  writeFileSync(join(cwd, 'rosey.yaml'), 'log:\n  rotate:\n    keep: 2\n');
  for (const n of [1, 2, 3, 4, 5])
    writeFileSync(join(logs, `rosey.2026-12-0${n}.1.log`), `{"msg":"day ${n}"}\n`);
  symlinkSync('rosey.2026-12-05.1.log', join(logs, 'rosey.log'));
  return { cwd, data, plugins, logs };
}

describe('rosey clean', function () {
  this.timeout(60_000);
  const env = { ROSEY_CONFIG: '' };

  it('--dry-run lists every leftover and removes nothing', async () => {
    const { cwd, data } = messyDataDir();
    const before = readdirSync(data, { recursive: true }).sort();
    const result = await runCli(['clean', '--dry-run'], { cwd, env });
    expect(result.code, result.stderr).to.equal(0);
    const listed = result.stdout.trim().split('\n');
    expect(listed.filter((l) => l.startsWith('would remove '))).to.have.length(8);
    expect(listed.at(-1)).to.match(/^8 to remove, .*; run without --dry-run to remove them$/);
    expect(readdirSync(data, { recursive: true }).sort()).to.deep.equal(before);
  });

  it('removes the leftovers and keeps the database, plugins, fresh installs, live files and recent logs', async () => {
    const { cwd, data, plugins, logs } = messyDataDir();
    const result = await runCli(['clean'], { cwd, env });
    expect(result.code, result.stderr).to.equal(0);
    for (const gone of [
      join(data, 'rosey.runtime.json'),
      join(data, 'rosey.pid'),
      join(data, 'nats-server-41000.conf'),
      join(data, `plugin-commands.json.${DEAD}.tmp`),
      join(plugins, '.staging-abc'),
      join(plugins, '.old-def'),
      join(logs, 'rosey.2026-12-01.1.log'),
      join(logs, 'rosey.2026-12-02.1.log'),
    ])
      expect(existsSync(gone), gone).to.equal(false);
    expect(readdirSync(data).sort()).to.deep.equal([
      'logs',
      `plugin-commands.json.${process.pid}.tmp`,
      'plugins',
      'rosey.db',
    ]);
    expect(readdirSync(plugins).sort()).to.deep.equal(['.staging-fresh', 'dice']);
    expect(readdirSync(logs).sort()).to.deep.equal([
      'rosey.2026-12-03.1.log',
      'rosey.2026-12-04.1.log',
      'rosey.2026-12-05.1.log',
      'rosey.log',
    ]);
    expect(result.stdout.trim().split('\n').at(-1)).to.match(/^freed /);
    const again = await runCli(['clean'], { cwd, env });
    expect(again.stdout.trim()).to.equal(`nothing to clean in ${data}`);
  });

  it('leaves a running Rosey alone: its runtime file and its nats-server configuration stay', async () => {
    const cwd = tempDir('rosey-clean-');
    const data = join(cwd, 'data');
    mkdirSync(data);
    // This test's own process stands for the running Rosey.
    const runtime = {
      pid: process.pid,
      version: '0.1.0',
      natsUrl: 'nats://127.0.0.1:41001',
      startedAt: new Date().toISOString(),
    };
    writeFileSync(join(data, 'rosey.runtime.json'), JSON.stringify(runtime));
    writeFileSync(join(data, 'nats-server-41001.conf'), 'listen: 127.0.0.1:41001\n');
    writeFileSync(join(data, 'nats-server-41002.conf'), 'listen: 127.0.0.1:41002\n');
    const result = await runCli(['clean'], { cwd, env });
    expect(result.code, result.stderr).to.equal(0);
    expect(readdirSync(data).sort()).to.deep.equal(['nats-server-41001.conf', 'rosey.runtime.json']);
  });
});
