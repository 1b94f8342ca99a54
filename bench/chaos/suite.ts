/**
 * The chaos scenarios in the order they run, and running a selection of them: each against its own
 * real Rosey, one after another, so one's fault cannot bleed into the next one's figures.
 */
import { emptyFigures, failed, type Figures } from './figures.js';
import { killEverything } from './rosey.js';
import { withStage, type Scenario, type ScenarioOptions, type Stage } from './scenario.js';
import { diskFull } from './scenarios/disk-full.js';
import { hangDice } from './scenarios/hang-plugin.js';
import { killNats } from './scenarios/kill-nats.js';
import { killDice, killDiceFast, killQuoteDb } from './scenarios/kill-plugin.js';
import { crashStorage, killRosey } from './scenarios/kill-storage.js';

export const SCENARIOS: Record<string, Scenario> = {
  'kill-dice': killDice,
  'kill-dice-fast': killDiceFast,
  'kill-quote-db': killQuoteDb,
  'kill-nats': { plugins: [], standalone: killNats },
  'hang-dice': hangDice,
  'crash-storage': crashStorage,
  'kill-rosey': killRosey,
  'disk-full': diskFull,
};

/** A scenario that threw: reported as a loss, since a harness that cannot measure must not pass. */
function broken(name: string, error: unknown): Figures {
  return {
    ...emptyFigures(name),
    lost: 1,
    notes: [
      `the scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    ],
  };
}

const runOn = (scenario: Scenario, stage: Stage, options: ScenarioOptions) =>
  'standalone' in scenario ? scenario.standalone(options) : scenario.run(stage, options);

async function attempt(name: string, run: () => Promise<Figures>): Promise<Figures> {
  try {
    return await run();
  } catch (error) {
    return broken(name, error);
  }
}

/**
 * Runs `names` (all by default), one after another. The full run gives each scenario a Rosey of
 * its own, so one's fault cannot bleed into the next one's figures; the short one (`npm test`)
 * runs them all against one Rosey with every plugin they need, to spend its time on faults rather
 * than on starting Rosey. The data dir is a tmpfs wherever disk-full runs (as root).
 */
export async function runChaos(
  names: string[],
  options: ScenarioOptions,
  each: (figures: Figures) => void = () => {},
): Promise<Figures[]> {
  const chosen = names.length > 0 ? names : Object.keys(SCENARIOS);
  const unknown = chosen.filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0)
    throw new Error(
      `chaos: no scenario ${unknown.join(', ')} (scenarios: ${Object.keys(SCENARIOS).join(', ')})`,
    );
  const results: Figures[] = [];
  const report = (f: Figures) => {
    results.push(f);
    each(f);
  };
  try {
    if (options.short) {
      const plugins = [...new Set(chosen.flatMap((n) => SCENARIOS[n]!.plugins))];
      await withStage(plugins, { tmpfs: chosen.includes('disk-full'), log: options.log }, async (stage) => {
        for (const name of chosen) report(await attempt(name, () => runOn(SCENARIOS[name]!, stage, options)));
      }).catch((error: unknown) => report(broken('short run', error)));
    } else {
      for (const name of chosen) {
        const scenario = SCENARIOS[name]!;
        report(
          await attempt(name, () =>
            'standalone' in scenario
              ? scenario.standalone(options)
              : withStage(scenario.plugins, { tmpfs: name === 'disk-full', log: options.log }, (stage) =>
                  scenario.run(stage, options),
                ),
          ),
        );
      }
    }
  } finally {
    killEverything();
  }
  return results;
}

export const anyFailed = (results: readonly Figures[]) => results.some(failed);
