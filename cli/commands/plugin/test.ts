import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Args } from '@oclif/core';
import { loadPlugin } from '../../../plugin-packages/manifest.js';
import { errorMessage } from '../../../contract/result.js';
import { RoseyCommand } from '../../base-command.js';

/** `<dir>/test/**\/*.test.js` (and .mjs), relative to `dir`, sorted. */
function testFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = join(sub, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
      else if (entry.isFile() && /\.test\.m?js$/.test(entry.name)) found.push(path);
    }
  };
  try {
    walk('test');
  } catch {
    return [];
  }
  return found.sort();
}

export default class PluginTest extends RoseyCommand {
  static override summary = 'Run a plugin’s own tests against a real bus and database.';

  static override description = `Runs the test/*.test.js files of the plugin folder with Node's test runner. Tests use \`testBot\` from 'rosey/sdk/testing', which starts a real nats-server, Rosey's router and storage on a fresh SQLite file, and the plugin with the permissions of its manifest. 'rosey/sdk' resolves to this Rosey even without node_modules. Exits 1 when a test fails.`;

  static override examples = ['<%= config.bin %> plugin test', '<%= config.bin %> plugin test ./greeter'];

  static override args = { dir: Args.string({ description: 'The plugin folder.', default: '.' }) };

  async run(): Promise<void> {
    const { args } = await this.parse(PluginTest);
    let name: string;
    let dir: string;
    try {
      const plugin = loadPlugin(args.dir);
      name = plugin.manifest.name;
      dir = plugin.dir;
    } catch (error) {
      return this.fail(errorMessage(error));
    }
    const files = testFiles(dir);
    if (files.length === 0)
      return this.fail(
        `${name} has no tests: put them in ${relative(process.cwd(), join(dir, 'test')) || 'test'}/ as *.test.js`,
      );
    const register = new URL('../../../sdk/testing/register.js', import.meta.url).href;
    const code = await new Promise<number>((resolve) => {
      // The spec reporter on a pipe too: the TAP default is for machines, this is for the author.
      const argv = ['--import', register, '--test', '--test-reporter=spec', ...files];
      const child = spawn(process.execPath, argv, { cwd: dir, stdio: 'inherit' });
      child.on('error', () => resolve(1));
      child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
    });
    if (code !== 0) this.fail(`the tests of ${name} failed (exit ${code})`);
  }
}
