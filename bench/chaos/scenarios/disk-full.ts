/**
 * A full disk under `!quote add` (issue 15, defect 8): Rosey's data dir is a small tmpfs (so this
 * needs root; without it the scenario says so and does not run). Once Rosey is up a filler file
 * takes every free byte; adds must be refused with a message that says the disk is full (not that
 * storage is not answering), nothing may be half-written (the table passes SQLite's integrity
 * check, acknowledged quotes are there once), and adds work again once the filler is removed.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../../actors/database/open.js';
import { now, sleep } from '../clock.js';
import { count, emptyFigures, recoveredAfter } from '../figures.js';
import { checkWrites, isAdded, quoteLines } from '../quotes.js';
import { waitFor } from '../rosey.js';
import { SETTLE_MS, TMPFS_SIZE, warmUp, type Scenario } from '../scenario.js';
import type { Line } from '../driver.js';

const DISK_FULL = /disk|full|space/i;

/** Writes zeros to `file` until the file system is full; returns the bytes written. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // The last partial chunk: fill the remaining bytes one small write at a time.
  const fd2 = openSync(file, 'a');
  try {
    for (;;) written += writeSync(fd2, Buffer.alloc(512));
  } catch {
    // full
  } finally {
    closeSync(fd2);
  }
  return written;
}

async function integrity(dataDir: string): Promise<string> {
  const db = await openDatabase(
    { kind: 'sqlite', file: join(dataDir, 'rosey.db') },
    { applyCoreMigrations: false },
  );
  try {
    const rows = (await db.knex.raw('PRAGMA integrity_check')) as Array<Record<string, unknown>>;
    return rows.map((r) => String(Object.values(r)[0])).join('; ');
  } finally {
    await db.close();
  }
}

export const diskFull: Scenario = {
  plugins: ['quote-db'],
  run: async ({ rosey, driver, tmpfs }, { short, log }) => {
    const figures = emptyFigures(`disk full (tmpfs ${TMPFS_SIZE}) under !quote add (10/s)`);
    if (!tmpfs) {
      figures.skipped = 'not root: mounting a small tmpfs for the data dir needs root';
      return figures;
    }
    const dataDir = rosey.dataDir;
    const run = `disk-full-${process.pid}`;
    const next = quoteLines(run);
    const all: Line[] = await warmUp(driver, next);
    count(figures, all, isAdded);
    const filler = join(dataDir, 'filler');
    const bytes = fill(filler);
    log(`disk-full: filled the data dir (${(bytes / 1048576).toFixed(1)} MB)`);
    const restartsBefore = (await rosey.node('storage'))?.restarts ?? 0;
    let stop = false;
    const full = driver.steady(next, 100, () => stop);
    await sleep(short ? 2000 : 5000);
    stop = true;
    const whileFull = await full;
    await driver.settle(whileFull, SETTLE_MS);
    count(figures, whileFull, isAdded);
    const told = whileFull.filter((l) => l.replies[0] && !isAdded(l.replies[0].text));
    const saidFull = told.filter((l) => DISK_FULL.test(l.replies[0]!.text)).length;
    figures.notes.push(`while full: ${saidFull} of ${told.length} refusals said the disk is full`);

    rmSync(filler);
    const freedAt = now();
    log('disk-full: freed the space');
    stop = false;
    const again = driver.steady(next, 100, () => stop);
    await waitFor(async () => recoveredAfter(driver.lines, freedAt, isAdded), 20_000);
    await sleep(1000);
    stop = true;
    const afterFree = await again;
    await driver.settle(afterFree, SETTLE_MS);
    count(figures, afterFree, isAdded);
    figures.recoveries.push(recoveredAfter(afterFree, freedAt, isAdded) ?? Infinity);
    all.push(...whileFull, ...afterFree);
    figures.writes = await checkWrites(dataDir, all, run);
    figures.notes.push(`SQLite integrity check: ${await integrity(dataDir)}`);
    const restarts = ((await rosey.node('storage'))?.restarts ?? 0) - restartsBefore;
    figures.notes.push(`storage restarts while full: ${restarts}`);
    if (saidFull < told.length) figures.notes.push('a full disk was reported as something else');
    return figures;
  },
};
