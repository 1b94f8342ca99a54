import { expect } from 'chai';
import { appendFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSince } from '../../app/logging/log-reader.js';
import { runCli, spawnCli } from '../support/cli.js';
import { eventually, tempDir } from '../support/nats.js';

const line = (time: string, level: string, fields: Record<string, unknown>) =>
  JSON.stringify({ level, time, ...fields }) + '\n';

/** A data directory whose log was rolled twice: two old files and the one the link points at. */
function rolledLog(): { cwd: string; logs: string } {
  const cwd = tempDir('rosey-logs-');
  const logs = join(cwd, 'data', 'logs');
  mkdirSync(logs, { recursive: true });
  writeFileSync(
    join(logs, 'rosey.2026-12-04.1.log'),
    line('2026-12-04T10:00:00.000Z', 'info', { actor: 'router', msg: 'oldest' }) +
      line('2026-12-04T10:00:01.000Z', 'warn', { actor: 'plugin:dice', plugin: 'dice', msg: 'dice warned' }),
  );
  // Day 5 has two files: number order, not name order (10 after 2).
  writeFileSync(
    join(logs, 'rosey.2026-12-05.2.log'),
    line('2026-12-05T09:00:00.000Z', 'info', { actor: 'storage', msg: 'second of the day' }),
  );
  writeFileSync(
    join(logs, 'rosey.2026-12-05.10.log'),
    line('2026-12-05T11:00:00.000Z', 'error', { actor: 'router', msg: 'router failed' }) +
      'not json at all\n' +
      line('2026-12-05T11:00:01.000Z', 'info', { supervisor: 'dice', msg: 'dice restarted' }),
  );
  symlinkSync('rosey.2026-12-05.10.log', join(logs, 'rosey.log'));
  return { cwd, logs };
}

const messages = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('rosey logs', function () {
  this.timeout(60_000);
  const env = { ROSEY_CONFIG: '' };

  it('reads every rotated file in order, oldest first, skipping lines that are not JSON', async () => {
    const { cwd } = rolledLog();
    const result = await runCli(['logs', '--json'], { cwd, env });
    expect(result.code, result.stderr).to.equal(0);
    expect(messages(result.stdout)).to.deep.equal([
      'oldest',
      'dice warned',
      'second of the day',
      'router failed',
      'dice restarted',
    ]);
  });

  it('filters by name (actor, plugin, supervisor), level and --lines', async () => {
    const { cwd } = rolledLog();
    const dice = await runCli(['logs', 'dice', '--json'], { cwd, env });
    expect(messages(dice.stdout)).to.deep.equal(['dice warned', 'dice restarted']);
    const router = await runCli(['logs', 'router', '--level', 'error', '--json'], { cwd, env });
    expect(messages(router.stdout)).to.deep.equal(['router failed']);
    const last2 = await runCli(['logs', '-n', '2', '--json'], { cwd, env });
    expect(messages(last2.stdout)).to.deep.equal(['router failed', 'dice restarted']);
    const text = await runCli(['logs', 'router', '--level', 'warn'], { cwd, env });
    expect(text.stdout.trim()).to.match(/^\[\d\d:\d\d:\d\d\.000\] ERROR: \[router\] router failed$/);
  });

  it('--since keeps the lines from then on; a time it cannot read is one line, exit 1', async () => {
    const { cwd } = rolledLog();
    const since = await runCli(['logs', '--since', '2026-12-05T10:00:00Z', '--json'], { cwd, env });
    expect(messages(since.stdout)).to.deep.equal(['router failed', 'dice restarted']);
    const bad = await runCli(['logs', '--since', 'yesterday'], { cwd, env });
    expect(bad.code).to.equal(1);
    expect(bad.stderr.trim().split('\n')).to.have.length(1);
    expect(parseSince('10m', 1_000_000)).to.equal(400_000);
    expect(parseSince('5'), 'a bare number is not a date').to.equal(undefined);
  });

  it('no log yet, or no log file configured: one line, exit 1', async () => {
    const cwd = tempDir('rosey-logs-');
    const none = await runCli(['logs'], { cwd, env });
    expect(none.code).to.equal(1);
    expect(none.stderr.trim()).to.match(/^rosey logs: no log at .*rosey\.log yet/);
    writeFileSync(join(cwd, 'rosey.yaml'), 'log:\n  file: ""\n');
    const off = await runCli(['logs'], { cwd, env });
    expect(off.code).to.equal(1);
    expect(off.stderr.trim()).to.equal(
      'rosey logs: log.file is empty in the configuration: Rosey writes no log file (only stderr)',
    );
  });

  it('-f prints new lines as they are written, and follows the link to a new file after a roll', async () => {
    const { cwd, logs } = rolledLog();
    const follow = spawnCli(['logs', '-f', '--json', '--lines', '0', 'router'], { cwd, env });
    try {
      // Lines written before the follower looked are not printed: write probes until one shows.
      const current = join(logs, 'rosey.2026-12-05.10.log');
      let polls = 0;
      await eventually(
        () => {
          if (polls++ % 10 === 0)
            appendFileSync(
              current,
              line('2026-12-05T11:59:00.000Z', 'info', { actor: 'router', msg: 'probe' }),
            );
          return follow.lines.length > 0;
        },
        'the follower printing new lines',
        30_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      const seen = follow.lines.length;
      appendFileSync(
        current,
        line('2026-12-05T12:00:00.000Z', 'info', { actor: 'router', msg: 'appended' }) +
          line('2026-12-05T12:00:01.000Z', 'info', { actor: 'storage', msg: 'not the router' }),
      );
      await eventually(() => follow.lines.length >= seen + 1, 'the appended line');
      // A roll: the last line of the old file, then the link moves to a new one.
      appendFileSync(
        current,
        line('2026-12-05T12:00:02.000Z', 'info', { actor: 'router', msg: 'last of the old file' }),
      );
      writeFileSync(
        join(logs, 'rosey.2026-12-05.11.log'),
        line('2026-12-05T12:00:03.000Z', 'info', { actor: 'router', msg: 'first of the new file' }),
      );
      rmSync(join(logs, 'rosey.log'));
      symlinkSync('rosey.2026-12-05.11.log', join(logs, 'rosey.log'));
      await eventually(() => follow.lines.length >= seen + 3, 'the lines around the roll');
      expect(messages(follow.lines.slice(seen).join('\n'))).to.deep.equal([
        'appended',
        'last of the old file',
        'first of the new file',
      ]);
    } finally {
      follow.child.kill('SIGINT');
    }
    expect(await follow.exited).to.equal(0);
  });
});
