/**
 * kill -9 of plugin processes under load: dice under `!roll 2d6` every 100 ms, and quote-db under
 * `!quote add` every 50 ms, whose acknowledged quotes must all be in the table exactly once after.
 */
import { count, emptyFigures, type Figures } from '../figures.js';
import { checkWrites, isAdded, quoteLines } from '../quotes.js';
import { pidOf, waitFor } from '../rosey.js';
import { roll, rolled, underLoad, warmUp, withRosey, type ScenarioOptions } from '../scenario.js';
import type { ChaosRosey } from '../rosey.js';
import type { Line } from '../driver.js';

/** Waits for `id` to report a pid other than `victim`, so the next round kills the new process. */
async function replaced(rosey: ChaosRosey, id: string, victim: number): Promise<boolean> {
  const pid = await waitFor(async () => {
    const node = await rosey.node(id);
    return node?.status === 'running' && typeof node.info?.pid === 'number' && node.info.pid !== victim
      ? node.info.pid
      : undefined;
  }, 20_000);
  return pid !== undefined;
}

export async function killDice({ short, log }: ScenarioOptions): Promise<Figures> {
  const figures = emptyFigures('kill -9 dice under !roll (10/s)');
  await withRosey(['dice'], async ({ rosey, driver }) => {
    await warmUp(driver, roll);
    for (let round = 0; round < (short ? 1 : 5); round++) {
      const victim = await pidOf(rosey, 'dice@1');
      log(`kill-dice: round ${round + 1}, kill -9 dice ${victim}`);
      const { lines, recoveryMs } = await underLoad(
        driver,
        { next: roll, everyMs: 100, ok: rolled },
        async () => void process.kill(victim, 'SIGKILL'),
        { recoveryLimitMs: 20_000 },
      );
      count(figures, lines, rolled);
      figures.recoveries.push(recoveryMs);
      if (!(await replaced(rosey, 'dice@1', victim)))
        figures.notes.push(`round ${round + 1}: dice@1 was not running again with a new pid`);
    }
  });
  return figures;
}

export async function killQuoteDb({ short, log }: ScenarioOptions): Promise<Figures> {
  const figures = emptyFigures('kill -9 quote-db under !quote add (20/s)');
  const run = `kill-quote-db-${process.pid}`;
  const next = quoteLines(run);
  await withRosey(['quote-db'], async ({ rosey, driver }) => {
    const all: Line[] = await warmUp(driver, next);
    for (let round = 0; round < (short ? 1 : 5); round++) {
      const victim = await pidOf(rosey, 'quote-db@1');
      log(`kill-quote-db: round ${round + 1}, kill -9 quote-db ${victim}`);
      const { lines, recoveryMs } = await underLoad(
        driver,
        { next, everyMs: 50, ok: isAdded },
        async () => void process.kill(victim, 'SIGKILL'),
        { recoveryLimitMs: 20_000 },
      );
      count(figures, lines, isAdded);
      all.push(...lines);
      figures.recoveries.push(recoveryMs);
      if (!(await replaced(rosey, 'quote-db@1', victim)))
        figures.notes.push(`round ${round + 1}: quote-db@1 was not running again with a new pid`);
    }
    figures.writes = await checkWrites(rosey.dataDir, all, run);
  });
  return figures;
}
