import type { LoadedPlugin } from '../../plugin-packages/manifest.js';

/** One plugin the manager runs: where it comes from and which generation serves. */
export interface ManagedPlugin {
  plugin: LoadedPlugin;
  /** The generation serving now. */
  generation: number;
  /** Never reused: a failed reload's generation may still have messages in flight. */
  nextGeneration: number;
}
