/**
 * kill -9 of plugin processes under load: dice under `!roll 2d6` every 100 ms and every 2 ms, and
 * quote-db under `!quote add` every 50 ms, whose acknowledged quotes must all be in the table
 * exactly once after.
 */
import { count, emptyFigures, type Figures } from '../figures.js';
import { checkWrites, isAdded, quoteLines } from '../quotes.js';
import { pidOf, waitFor, type ChaosRosey } from '../rosey.js';
import {
  roll,
  rolled,
  underLoad,
  warmUp,
  type Scenario,
  type ScenarioOptions,
  type Stage,
} from '../scenario.js';
import type { Line, Sender } from '../driver.js';

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

async function killUnderLoad(
  { rosey, driver }: Stage,
  { short, log }: ScenarioOptions,
  figures: Figures,
  plugin: string,
  load: { next: () => { text: string; as?: Sender }; everyMs: number; ok: (text: string) => boolean },
): Promise<Line[]> {
  const all = await warmUp(driver, load.next);
  count(figures, all, load.ok);
  for (let round = 0; round < (short ? 1 : 5); round++) {
    const victim = await pidOf(rosey, `${plugin}@1`);
    log(`kill-${plugin}: round ${round + 1}, kill -9 ${plugin} ${victim}`);
    const { lines, recoveryMs } = await underLoad(
      driver,
      load,
      async () => void process.kill(victim, 'SIGKILL'),
      {
        recoveryLimitMs: 20_000,
      },
    );
    count(figures, lines, load.ok);
    all.push(...lines);
    figures.recoveries.push(recoveryMs);
    if (!(await replaced(rosey, `${plugin}@1`, victim)))
      figures.notes.push(`round ${round + 1}: ${plugin}@1 was not running again with a new pid`);
  }
  return all;
}

export const killDice: Scenario = {
  plugins: ['dice'],
  run: async (stage, options) => {
    const figures = emptyFigures('kill -9 dice under !roll (10/s)');
    await killUnderLoad(stage, options, figures, 'dice', { next: roll, everyMs: 100, ok: rolled });
    return figures;
  },
};

/**
 * The same at 500 lines/s: what is typed while dice is down waits for it (router.startWaitMs) and
 * is answered in one burst when it is back. That burst once met a 200-message cap in the router's
 * reply publisher, and every reply past it was dropped with a log line only (30–45 lines told
 * nothing in the runtime bench).
 */
export const killDiceFast: Scenario = {
  plugins: ['dice'],
  run: async (stage, options) => {
    const figures = emptyFigures('kill -9 dice under !roll (500/s)');
    await killUnderLoad(stage, options, figures, 'dice', { next: roll, everyMs: 2, ok: rolled });
    return figures;
  },
};

export const killQuoteDb: Scenario = {
  plugins: ['quote-db'],
  run: async (stage, options) => {
    const figures = emptyFigures('kill -9 quote-db under !quote add (20/s)');
    const run = `kill-quote-db-${process.pid}`;
    const lines = await killUnderLoad(stage, options, figures, 'quote-db', {
      next: quoteLines(run),
      everyMs: 50,
      ok: isAdded,
    });
    figures.writes = await checkWrites(stage.rosey.dataDir, lines, run);
    return figures;
  },
};
