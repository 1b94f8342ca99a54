import type { Parameters } from 'fast-check';

/**
 * fast-check settings for a property in the normal suite: a bounded number of runs, and a seed
 * that can be replayed. A failing property's message names its seed and path and shows the shrunk
 * counterexample; `FC_SEED=<seed> FC_PATH=<path>` replays exactly that case, `FC_RUNS=<n>` runs
 * more (or fewer) cases than the suite's bound.
 */
export function propertyRuns<T>(numRuns: number): Parameters<T> {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  const runs = process.env.FC_RUNS === undefined ? numRuns : Number(process.env.FC_RUNS);
  return {
    numRuns: runs,
    ...(seed === undefined ? {} : { seed }),
    ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }),
  };
}
