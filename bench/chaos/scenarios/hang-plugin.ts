/**
 * SIGSTOP of the dice process under `!roll 2d6` every 100 ms (issue 15, defect 7): the process is
 * alive and silent. Measured: the stop → a new dice process in the status tree, and the stop →
 * `!roll` answered again. Every line meanwhile should get the router's timeout, none be lost.
 */
import { count, emptyFigures } from '../figures.js';
import { pidOf, waitFor } from '../rosey.js';
import { now } from '../clock.js';
import { COMMAND_TIMEOUT_MS, roll, rolled, underLoad, warmUp, type Scenario } from '../scenario.js';

/** Issue 15's bound: a hung plugin is replaced within 10 s of the first timeout. */
const TARGET_MS = COMMAND_TIMEOUT_MS + 10_000;

export const hangDice: Scenario = {
  plugins: ['dice'],
  run: async ({ rosey, driver }, { short, log }) => {
    const figures = emptyFigures('SIGSTOP dice under !roll (10/s)');
    // The short run waits a little past the target, the full one past today's 55 s detection.
    const limitMs = short ? TARGET_MS + 2000 : 70_000;
    count(figures, await warmUp(driver, roll), rolled);
    const replacements: number[] = [];
    for (let round = 0; round < (short ? 1 : 3); round++) {
      const victim = await pidOf(rosey, 'dice@1');
      log(`hang-dice: round ${round + 1}, SIGSTOP dice ${victim} (waiting up to ${limitMs / 1000} s)`);
      try {
        const { lines, recoveryMs } = await underLoad(
          driver,
          { next: roll, everyMs: 100, ok: rolled },
          async () => {
            const stoppedAt = now();
            process.kill(victim, 'SIGSTOP');
            const replacedAt = await waitFor(async () => {
              const pid = (await rosey.node('dice@1'))?.info?.pid;
              return typeof pid === 'number' && pid !== victim ? now() : undefined;
            }, limitMs);
            replacements.push(replacedAt === undefined ? Infinity : replacedAt - stoppedAt);
          },
          { recoveryLimitMs: 5000 },
        );
        count(figures, lines, rolled);
        figures.recoveries.push(recoveryMs);
      } finally {
        // A process Rosey has not replaced is still ours to wake, so nothing stays stopped.
        try {
          process.kill(victim, 'SIGCONT');
        } catch {
          // already gone: Rosey killed it
        }
      }
      if (replacements.at(-1) === Infinity) {
        figures.notes.push(`round ${round + 1}: dice not replaced within ${limitMs / 1000} s of the SIGSTOP`);
        break;
      }
    }
    const shown = replacements.map((ms) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : 'never'));
    figures.notes.push(`SIGSTOP → new dice process: ${shown.join(', ')} (target ≤ ${TARGET_MS / 1000} s)`);
    return figures;
  },
};
