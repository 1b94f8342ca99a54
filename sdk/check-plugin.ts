/**
 * Loads a plugin's code the way its process will, without starting it, for `rosey plugin build`
 * and installs from git (cli/plugin-load-check.ts runs it as
 * `check-plugin.js <dir> <entry> <name>`). The verdict goes to fd 3 as JSON — the commands it
 * declares, or why it would not start — since the plugin's own top-level code may print anything on
 * stdout and stderr. Running it in its own process keeps that code out of the CLI's.
 */
import { writeSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPlugin } from './define-plugin.js';
import { describeLoadError } from './load-error.js';
import { describeCommands } from './plugin-service.js';
import { errorMessage } from '../contract/result.js';

const VERDICT_FD = 3;

function verdict(value: { ok: true; commands: string[] } | { ok: false; message: string }): never {
  writeSync(VERDICT_FD, JSON.stringify(value));
  // A plugin's module may leave timers or sockets behind at load: they must not keep the check alive.
  process.exit(0);
}
const fail = (message: string): never => verdict({ ok: false, message });

const [dir, entry, name] = process.argv.slice(2);
if (!dir || !entry || !name) fail('usage: check-plugin.js <dir> <entry> <name>');
let mod: { default?: unknown } = {};
try {
  mod = (await import(pathToFileURL(entry!).href)) as { default?: unknown };
} catch (error) {
  fail(`the plugin's code does not load: ${describeLoadError(error, dir!)}`);
}
const plugin = mod.default;
if (!isPlugin(plugin)) fail(`${relative(dir!, entry!)} must \`export default definePlugin({ ... })\``);
else if (plugin.name !== name) fail(`manifest names the plugin '${name}' but its code says '${plugin.name}'`);
else {
  try {
    // Commands made from the configuration are checked with none: the defaults a plugin must have.
    verdict({ ok: true, commands: describeCommands(plugin, {}).map((c) => c.name) });
  } catch (error) {
    fail(errorMessage(error));
  }
}
