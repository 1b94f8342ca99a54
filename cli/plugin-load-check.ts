import { execFile } from 'node:child_process';
import { z } from 'zod';
import type { LoadedPlugin } from '../plugin-packages/manifest.js';
import { validate } from '../contract/validate.js';
import { SDK_REGISTER } from './plugin-tests.js';

const CHECK = new URL('../sdk/check-plugin.js', import.meta.url).pathname;
/** A plugin whose module does not finish loading in this time would not start either. */
const CHECK_TIMEOUT_MS = 30_000;

/**
 * Loads the plugin's code in a process of its own, as Rosey's plugin process will, without starting
 * it: resolves with the command names it declares, or rejects with why it would not start
 * (`index.js:5: SyntaxError: …`). Issue 22: `rosey plugin build` packed code that did not load.
 */
export function checkPluginLoads(plugin: LoadedPlugin): Promise<string[]> {
  const argv = ['--import', SDK_REGISTER, CHECK, plugin.dir, plugin.entry, plugin.manifest.name];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      argv,
      { cwd: plugin.dir, timeout: CHECK_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed
            ? `${plugin.manifest.entry} did not finish loading within ${CHECK_TIMEOUT_MS / 1000} s`
            : stderr.trim().split('\n')[0] ||
              `the load check of ${plugin.manifest.entry} failed (exit code ${error.code})`;
          reject(new Error(why));
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(stdout);
        } catch {
          parsed = undefined;
        }
        const names = validate(z.array(z.string()), parsed);
        if (names.ok) resolve(names.data);
        else reject(new Error(`${plugin.manifest.entry}: the load check printed ${JSON.stringify(stdout)}`));
      },
    );
  });
}
