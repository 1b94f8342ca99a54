/**
 * The chaos scenarios in the order they run, and running a selection of them: each against its own
 * real Rosey, one after another, so one's fault cannot bleed into the next one's figures.
 */
import { failed, type Figures } from './figures.js';
import { killEverything } from './rosey.js';
import type { ScenarioOptions } from './scenario.js';
import { diskFull } from './scenarios/disk-full.js';
import { hangDice } from './scenarios/hang-plugin.js';
import { killNats } from './scenarios/kill-nats.js';
import { killDice, killQuoteDb } from './scenarios/kill-plugin.js';
import { crashStorage, killRosey } from './scenarios/kill-storage.js';

export const SCENARIOS: Record<string, (options: ScenarioOptions) => Promise<Figures>> = {
  'kill-nats': killNats,
  'kill-dice': killDice,
  'kill-quote-db': killQuoteDb,
  'crash-storage': crashStorage,
  'kill-rosey': killRosey,
  'hang-dice': hangDice,
  'disk-full': diskFull,
};

/**
 * Runs `names` (all by default). A scenario that throws is reported with everything counted as
 * lost — a harness that cannot measure must not read as a pass.
 */
export async function runChaos(
  names: string[],
  options: ScenarioOptions,
  each: (figures: Figures) => void = () => {},
): Promise<Figures[]> {
  const results: Figures[] = [];
  try {
    for (const name of names.length > 0 ? names : Object.keys(SCENARIOS)) {
      const scenario = SCENARIOS[name];
      if (!scenario) throw new Error(`chaos: no scenario ${name} (scenarios: ${Object.keys(SCENARIOS).join(', ')})`);
      let figures: Figures;
      try {
        figures = await scenario(options);
      } catch (error) {
        figures = {
          scenario: name,
          sent: 0,
          answered: 0,
          refused: 0,
          lost: 1,
          repeated: 0,
          refusals: [],
          recoveries: [],
          notes: [`the scenario failed: ${(error as Error).stack ?? String(error)}`],
        };
      }
      results.push(figures);
      each(figures);
    }
  } finally {
    killEverything();
  }
  return results;
}

export const anyFailed = (results: readonly Figures[]) => results.some(failed);
