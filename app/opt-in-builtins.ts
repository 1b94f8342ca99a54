import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedPlugin } from '../plugin-packages/manifest.js';

/**
 * Built-in plugins that run only when the operator names them in `plugins.enable`. markov keeps what
 * everyone in the channel says, in the database, and speaks unasked when configured to; playlist
 * lets everyone in the chat change the playlist through the bot; mod-shell lends the bot's rank to
 * moderators by PM. An operator turns those on knowingly, not by upgrading Rosey.
 */
export const OPT_IN_BUILTINS: readonly string[] = ['markov', 'playlist', 'mod-shell'];

/** The built-in plugins' folder (dist/plugins), as app/start-rosey.ts finds it. */
const BUILTIN_ROOT = resolve(fileURLToPath(new URL('../plugins/', import.meta.url))) + sep;

/** `plugins` without the opt-in built-ins the configuration does not enable (one installed elsewhere stays). */
export function withoutUnwantedBuiltins(
  plugins: LoadedPlugin[],
  config: { plugins: { enable: readonly string[] } },
): LoadedPlugin[] {
  return plugins.filter(
    (p) =>
      !OPT_IN_BUILTINS.includes(p.manifest.name) ||
      config.plugins.enable.includes(p.manifest.name) ||
      !(resolve(p.dir) + sep).startsWith(BUILTIN_ROOT),
  );
}
