/**
 * kill -9 of the embedded nats-server while `!roll 2d6` arrives every 100 ms (issue 15, defect 6).
 * Rosey restarts it on the same port; every line sent meanwhile must be answered after recovery
 * or refused, none silently lost.
 */
import { count, emptyFigures } from '../figures.js';
import { pidOf, waitFor } from '../rosey.js';
import { roll, rolled, underLoad, warmUp, type Scenario } from '../scenario.js';

export const killNats: Scenario = {
  plugins: ['dice'],
  run: async ({ rosey, driver }, { short, log }) => {
    const figures = emptyFigures('kill -9 nats-server under !roll (10/s)');
    count(figures, await warmUp(driver, roll), rolled);
    for (let round = 0; round < (short ? 1 : 5); round++) {
      const victim = await pidOf(rosey, 'nats-server');
      log(`kill-nats: round ${round + 1}, kill -9 nats-server ${victim}`);
      const { lines, recoveryMs } = await underLoad(
        driver,
        { next: roll, everyMs: 100, ok: rolled },
        async () => void process.kill(victim, 'SIGKILL'),
        { recoveryLimitMs: 20_000 },
      );
      count(figures, lines, rolled);
      figures.recoveries.push(recoveryMs);
      const next = await waitFor(async () => {
        const pid = (await rosey.node('nats-server'))?.info?.pid;
        return typeof pid === 'number' && pid !== victim ? pid : undefined;
      }, 10_000);
      if (next === undefined)
        figures.notes.push(`round ${round + 1}: no new nats-server pid in the status tree`);
    }
    return figures;
  },
};
