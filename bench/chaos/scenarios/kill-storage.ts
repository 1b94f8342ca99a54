/**
 * Storage failing under write load (`!quote add` every 50 ms), two ways:
 *   - crash-storage: the storage actor crashes inside a running Rosey, killed through the control
 *     plane (`rosey.control.kill data/storage`, OTP's `exit(Child, kill)`): its supervisor restarts
 *     it as after any crash. (Storage runs in Rosey's process, so no signal reaches it alone.)
 *   - kill-rosey: kill -9 of Rosey's main process, which holds storage and its database thread,
 *     then `rosey start` again on the same data. Lines in flight at the kill die with the process
 *     (there is nobody left to answer them): they are counted apart, not as silently lost.
 * After either, every acknowledged quote must be in the table exactly once.
 */
import { killReplySchema } from '../../../contract/messages/control.js';
import { request } from '../../../contract/request.js';
import { subjects } from '../../../contract/subjects.js';
import { now, sleep } from '../clock.js';
import { count, emptyFigures, recoveredAfter } from '../figures.js';
import { checkWrites, isAdded, quoteLines } from '../quotes.js';
import { waitFor } from '../rosey.js';
import { restart, SETTLE_MS, underLoad, warmUp, type Scenario } from '../scenario.js';
import type { Line } from '../driver.js';

export const crashStorage: Scenario = {
  plugins: ['quote-db'],
  run: async ({ rosey, driver }, { short, log }) => {
    const figures = emptyFigures('storage crash under !quote add (20/s)');
    const run = `crash-storage-${process.pid}`;
    const next = quoteLines(run);
    const all: Line[] = await warmUp(driver, next);
    count(figures, all, isAdded);
    for (let round = 0; round < (short ? 1 : 3); round++) {
      const before = (await rosey.node('storage'))?.restarts ?? 0;
      log(`crash-storage: round ${round + 1}, rosey.control.kill data/storage`);
      const { lines, recoveryMs } = await underLoad(
        driver,
        { next, everyMs: 50, ok: isAdded },
        async () => {
          const killed = await request(
            rosey.nc,
            subjects.control('kill'),
            { path: 'data/storage', reason: 'chaos: crash-storage' },
            { timeoutMs: 5000, reply: killReplySchema },
          );
          if (!killed.ok) throw new Error(`could not crash storage: ${killed.error.message}`);
          const restarted = async () => ((await rosey.node('storage'))!.restarts > before ? true : undefined);
          if (!(await waitFor(restarted, 5000))) throw new Error('storage was killed but never restarted');
        },
        // quote-db's circuit breaker keeps refusing for 15 s after storage failed: wait past it.
        { recoveryLimitMs: 20_000 },
      );
      all.push(...lines);
      count(figures, lines, isAdded);
      figures.recoveries.push(recoveryMs);
      await sleep(short ? 0 : 3000);
    }
    figures.writes = await checkWrites(rosey.dataDir, all, run);
    return figures;
  },
};

export const killRosey: Scenario = {
  plugins: ['quote-db'],
  run: async (stage, { short, log }) => {
    const figures = emptyFigures('kill -9 rosey (storage with it) under !quote add (20/s)');
    const run = `kill-rosey-${process.pid}`;
    const next = quoteLines(run);
    let inFlight = 0;
    const all: Line[] = await warmUp(stage.driver, next);
    count(figures, all, isAdded);
    for (let round = 0; round < (short ? 1 : 3); round++) {
      log(`kill-rosey: round ${round + 1}, kill -9 rosey ${stage.rosey.process.pid}`);
      let stop = false;
      const sending = stage.driver.steady(next, 50, () => stop);
      await sleep(1000);
      const killedAt = now();
      await stage.rosey.kill();
      stop = true;
      const before = await sending;
      // What was unanswered at the kill can never be answered: the process that had it is gone.
      inFlight += before.filter((l) => l.replies.length === 0).length;
      count(
        figures,
        before.filter((l) => l.replies.length > 0),
        isAdded,
      );
      await restart(stage);
      log(`kill-rosey: rosey ${stage.rosey.process.pid} ready in ${stage.rosey.startupMs.toFixed(0)} ms`);
      stop = false;
      const after = stage.driver.steady(next, 50, () => stop);
      await waitFor(async () => recoveredAfter(stage.driver.lines, killedAt, isAdded), 20_000);
      await sleep(1000);
      stop = true;
      const lines = await after;
      await stage.driver.settle(lines, SETTLE_MS);
      count(figures, lines, isAdded);
      figures.recoveries.push(recoveredAfter(lines, killedAt, isAdded) ?? Infinity);
      all.push(...before, ...lines);
    }
    figures.writes = await checkWrites(stage.rosey.dataDir, all, run);
    figures.notes.push(
      `${inFlight} lines were in flight when the process died (not answered, not counted above: Rosey keeps no inbox across a kill -9)`,
    );
    return figures;
  },
};
