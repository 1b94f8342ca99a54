import { expect } from 'chai';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActor } from 'xstate';
import { backupSchedulerActor, everyMs, pruneScheduled } from '../../app/backup/backup-scheduler.actor.js';
import { BusLink } from '../../actors/bus/bus-link.js';
import { parseConfig } from '../../app/config/load.js';
import { embeddedNats } from '../../app/nats-access.js';
import { roseyTree } from '../../app/tree.js';
import { quietLogger } from '../../contract/log.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import type { SupervisorInput } from '../../supervisors/supervisor.machine.js';
import { pluginRoots } from '../../app/start-rosey.js';
import { captureLogger } from '../support/capture-logger.js';
import { startSupervisor } from '../support/probe.js';
import { eventually, tempDir } from '../support/nats.js';
import { roseyData, seed } from './support.js';

describe('scheduled backups (backup.every, backup.keep)', function () {
  this.timeout(120_000);

  it('reads backup.every as minutes, hours or days, and refuses anything else', () => {
    expect(everyMs('30m')).to.equal(30 * 60_000);
    expect(everyMs('6h')).to.equal(6 * 3_600_000);
    expect(everyMs('1d')).to.equal(86_400_000);
    expect(parseConfig({ backup: { every: '6h' } }).backup).to.deep.equal({ every: '6h', keep: 7 });
    expect(() => parseConfig({ backup: { every: '6 hours' } })).to.throw(
      'config: backup.every: a number and m, h or d, e.g. 6h',
    );
    expect(() => parseConfig({ backup: { keep: 0 } })).to.throw(/backup\.keep/);
  });

  it('keeps the newest `keep` scheduled backups and never deletes one made by hand', async () => {
    const dir = tempDir('rosey-prune-');
    const names = [1, 2, 3, 4].map((s) => `rosey-backup-scheduled-20261206T12000${s}.000Z.tar.gz`);
    for (const name of [...names, 'rosey-backup-20261206T110000Z.tar.gz', 'mine.tar.gz'])
      writeFileSync(join(dir, name), '');
    expect(await pruneScheduled(dir, 2)).to.deep.equal(names.slice(0, 2));
    expect(readdirSync(dir).sort()).to.deep.equal(
      ['mine.tar.gz', 'rosey-backup-20261206T110000Z.tar.gz', ...names.slice(2)].sort(),
    );
  });

  it('writes a backup each interval, prunes to `keep`, and stops with its actor', async () => {
    const data = await roseyData('sqlite');
    await seed(data);
    const logger = captureLogger();
    const actor = createActor(backupSchedulerActor, {
      input: { loaded: data.loaded, pluginRoots: pluginRoots(data.loaded), everyMs: 200, keep: 2, logger },
    }).start();
    const written = () => logger.lines.filter((l) => l.msg === 'scheduled backup written');
    try {
      await eventually(() => written().length >= 4, 'four scheduled backups', 60_000);
    } finally {
      actor.stop();
    }
    expect(logger.lines.filter((l) => l.level === 'error')).to.deep.equal([]);
    const dir = join(data.dataDir, 'backups');
    // A backup in flight when it stopped finishes; nothing is scheduled after it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = readdirSync(dir).sort();
    const count = written().length;
    expect(after.filter((n) => n.startsWith('rosey-backup-scheduled-'))).to.have.length(2);
    expect(after.some((n) => n.includes('.partial-'))).to.equal(false);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(readdirSync(dir).sort()).to.deep.equal(after);
    expect(written().length).to.equal(count);
    for (const name of after) expect(existsSync(join(dir, name))).to.equal(true);
  });

  // It ignored the supervisor's shutdown: every stop of a Rosey with backup.every waited the 5 s of
  // its shutdown timeout and logged "backup-scheduler did not stop within 5000 ms; killed".
  it('exits when its supervisor shuts it down: at once between backups, after the one being written', async () => {
    const data = await roseyData('sqlite');
    await seed(data);
    const log = captureLogger();
    const input = { loaded: data.loaded, pluginRoots: pluginRoots(data.loaded), keep: 2, logger: log };
    const supervised = (everyMs: number) =>
      startSupervisor({
        name: 't',
        strategy: 'one_for_one',
        logger: log,
        children: [
          {
            id: 'backup-scheduler',
            logic: backupSchedulerActor,
            readyOn: 'spawn',
            input: { ...input, everyMs },
          },
        ],
      });
    // Between backups (the first is a day away): done at once, the supervisor's clock never moved.
    const idle = supervised(86_400_000);
    idle.actor.send({ type: 'rosey.shutdown' });
    expect(idle.state().status).to.equal('done');
    // While one is written: done once it is, and it was written whole.
    const busy = supervised(1);
    const backups = join(data.dataDir, 'backups');
    try {
      await eventually(
        () => existsSync(backups) && readdirSync(backups).length > 0,
        'a backup begun',
        30_000,
      );
      busy.actor.send({ type: 'rosey.shutdown' });
      await eventually(() => busy.state().status === 'done', 'the scheduler exited', 30_000);
    } finally {
      busy.actor.stop();
    }
    // One or two (the next one may have begun by the time the test saw a file), each whole: no
    // half-written archive left behind.
    expect(log.lines.filter((l) => l.msg === 'scheduled backup written')).to.have.length.within(1, 2);
    expect(readdirSync(backups).filter((f) => f.includes('partial'))).to.deep.equal([]);
    expect(log.lines.filter((l) => l.level === 'warn' || l.level === 'error')).to.deep.equal([]);
  });

  it('a failed backup is logged and the schedule goes on', async () => {
    const data = await roseyData('sqlite');
    // No database yet: each attempt fails, none crashes the actor.
    const logger = captureLogger();
    const actor = createActor(backupSchedulerActor, {
      input: { loaded: data.loaded, pluginRoots: pluginRoots(data.loaded), everyMs: 100, keep: 2, logger },
    }).start();
    try {
      await eventually(
        () =>
          logger.lines.filter((l) => l.msg.startsWith('scheduled backup failed: there is no database'))
            .length >= 2,
        'two failed attempts',
        30_000,
      );
      expect(actor.getSnapshot().status).to.equal('active');
    } finally {
      actor.stop();
    }
  });

  it('is a child of the services supervisor only when backup.every is set', async () => {
    const services = async (raw: Record<string, unknown>) => {
      const config = parseConfig(raw);
      const { nats, pluginNats } = await embeddedNats([], config.nats.binary);
      const tree = roseyTree({
        config,
        dataDir: tempDir('rosey-tree-'),
        link: new BusLink(),
        logger: quietLogger,
        nats,
        pluginNats,
        database: { kind: 'sqlite', file: '/nonexistent/rosey.db' },
        plugins: [],
        pluginRoots: [],
        runtime: {
          pid: process.pid,
          version: '0.0.0',
          natsUrl: nats.url,
          startedAt: new Date().toISOString(),
        },
      });
      const spec = (tree.children ?? []).find((c) => c.id === 'services')!;
      return ((spec.input as SupervisorInput).children as ChildSpec[]).map((c) => c.id);
    };
    expect(await services({})).to.not.include('backup-scheduler');
    expect(await services({ backup: { every: '1d' } })).to.include('backup-scheduler');
  });
});
