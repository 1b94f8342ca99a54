/**
 * Loads a plugin's code the way its process will, without starting it, for `rosey plugin build`:
 * `node --import <sdk>/testing/register.js check-plugin.js <dir> <entry> <name>`. Prints the commands it
 * declares (JSON) on stdout, or why it would not start (one line) on stderr and exits 1. Running it
 * in its own process keeps the plugin's top-level code out of the CLI's.
 */
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPlugin } from './define-plugin.js';
import { describeLoadError } from './load-error.js';
import { describeCommands } from './plugin-service.js';
import { errorMessage } from '../contract/result.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const [dir, entry, name] = process.argv.slice(2);
if (!dir || !entry || !name) fail('usage: check-plugin.js <dir> <entry> <name>');
let mod: { default?: unknown };
try {
  mod = (await import(pathToFileURL(entry).href)) as { default?: unknown };
} catch (error) {
  fail(`the plugin's code does not load: ${describeLoadError(error, dir)}`);
}
const plugin = mod.default;
if (!isPlugin(plugin)) fail(`${relative(dir, entry)} must \`export default definePlugin({ ... })\``);
if (plugin.name !== name) fail(`manifest names the plugin '${name}' but its code says '${plugin.name}'`);
try {
  process.stdout.write(`${JSON.stringify(describeCommands(plugin).map((c) => c.name))}\n`);
} catch (error) {
  fail(errorMessage(error));
}
// A plugin's module may leave timers or sockets behind at load: they must not keep the check alive.
process.exit(0);
