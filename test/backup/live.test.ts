import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackup } from '../../app/backup/create-backup.js';
import { pluginRoots } from '../../app/start-rosey.js';
import { forEachDatabase } from '../support/databases.js';
import { isAlive, runCli } from '../support/cli.js';
import { eventually } from '../support/nats.js';
import { archivedRows, hashTree, roseyData, seed, withDatabase, type RoseyData } from './support.js';

const WRITER = fileURLToPath(new URL('./pair-writer.js', import.meta.url));

/** Starts the pair writer; resolves once it has written its first pair. */
async function startWriter(where: string): Promise<{ child: ChildProcess; stop(): Promise<number> }> {
  const child = spawn(process.execPath, [WRITER, where], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const closed = new Promise((resolve) => child.on('close', resolve));
  await eventually(() => out.includes('writing'), 'the pair writer', 20_000);
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await closed;
      return Number(/pairs (\d+)/.exec(out)![1]);
    },
  };
}

/**
 * Every pair the archive holds is whole: the audit record and the key of one writer transaction
 * are both in the backup or neither is, though the two tables are read one after the other.
 */
async function pairsIn(file: string): Promise<number> {
  const rows = await archivedRows(file);
  const keys = rows
    .get('rosey_kv')!
    .filter((r) => r[0] === 'pairs')
    .map((r) => String(r[1]))
    .sort();
  const audits = rows
    .get('rosey_audit')!
    .filter((r) => r[2] === 'pairs')
    .map((r) => String(r[4]))
    .sort();
  expect(keys, 'the same pairs in both tables').to.deep.equal(audits);
  return keys.length;
}

forEachDatabase('rosey db backup while another process writes', (kind) => {
  it('takes a consistent snapshot: every writer transaction whole or absent', async () => {
    const data = await roseyData(kind);
    await seed(data);
    // Enough rows that the snapshot takes a while for the writer to overlap with.
    await withDatabase(data, async (db) => {
      const rows = Array.from({ length: 20_000 }, (_, i) => ({
        namespace: 'bulk',
        key: `b${i}`,
        value: 'x'.repeat(100),
        updated_at: i,
      }));
      for (let i = 0; i < rows.length; i += 150) await db.knex('rosey_kv').insert(rows.slice(i, i + 150));
    });
    const writer = await startWriter(data.loaded.config.database.url ?? join(data.dataDir, 'rosey.db'));
    const backup = await createBackup(data.loaded, {
      pluginRoots: pluginRoots(data.loaded),
      file: join(data.cwd, 'during.tar.gz'),
    }).finally(() => writer.child.kill('SIGTERM'));
    const written = await writer.stop();
    const inBackup = await pairsIn(backup.file);
    expect(inBackup).to.be.greaterThan(0);
    // It really ran during the backup: it wrote more than the snapshot holds.
    expect(written).to.be.greaterThan(inBackup);
  });
});

describe('rosey db backup and restore against a running Rosey', function () {
  this.timeout(180_000);
  let data: RoseyData;
  let pid: number | undefined;

  afterEach(() => {
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('backs up while it runs, refuses to restore under it, and restores with --stop', async () => {
    data = await roseyData('sqlite');
    await seed(data);
    writeFileSync(
      join(data.cwd, 'rosey.yaml'),
      'dataDir: data\nplugins:\n  disabled: [trivia, countdown, magic-8ball, chat-stats]\n',
    );
    const started = await runCli(['start', '--detach', '-c', 'rosey.yaml'], {
      cwd: data.cwd,
      timeoutMs: 90_000,
    });
    expect(started.code, started.stderr).to.equal(0);
    pid = Number(/pid (\d+)/.exec(started.stdout)![1]);

    const writer = await startWriter(join(data.dataDir, 'rosey.db'));
    const backup = await runCli(['db', 'backup', 'live.tar.gz', '-c', 'rosey.yaml'], {
      cwd: data.cwd,
      timeoutMs: 60_000,
    }).finally(() => writer.stop());
    expect(backup.code, backup.stderr).to.equal(0);
    expect(backup.stdout).to.match(/^Backed up to .*live\.tar\.gz/);
    const file = join(data.cwd, 'live.tar.gz');
    const pairs = await pairsIn(file);

    const before = hashTree(data.dataDir);
    const refused = await runCli(['db', 'restore', 'live.tar.gz', '-c', 'rosey.yaml'], { cwd: data.cwd });
    expect(refused.code).to.equal(1);
    expect(refused.stderr.trim()).to.match(
      new RegExp(
        `^rosey db restore: Rosey is running on .*data \\(pid ${pid}\\): stop it first, or pass --stop$`,
      ),
    );
    expect(hashTree(data.dataDir)).to.equal(before);
    expect(isAlive(pid)).to.equal(true);

    const restored = await runCli(['db', 'restore', 'live.tar.gz', '--stop', '-c', 'rosey.yaml'], {
      cwd: data.cwd,
      timeoutMs: 90_000,
    });
    expect(restored.code, restored.stderr).to.equal(0);
    expect(restored.stdout).to.include(`Stopped Rosey (pid ${pid}).`);
    expect(restored.stdout).to.match(/the replaced database is kept: .*rosey\.db\.before-restore-/);
    expect(isAlive(pid)).to.equal(false);
    const count = await withDatabase(data, async (db) =>
      Number(
        (
          (await db.knex('rosey_kv').where({ namespace: 'pairs' }).count({ n: '*' })) as Array<{ n: number }>
        )[0]!.n,
      ),
    );
    expect(count).to.equal(pairs);
  });
});
