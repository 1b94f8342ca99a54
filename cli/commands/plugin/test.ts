import { join, relative } from 'node:path';
import { Args } from '@oclif/core';
import { loadPlugin } from '../../../plugin-packages/manifest.js';
import { errorMessage } from '../../../contract/result.js';
import { RoseyCommand } from '../../base-command.js';
import { runPluginTests, testFiles } from '../../plugin-tests.js';

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
    const code = await runPluginTests(dir, files);
    if (code !== 0) this.fail(`the tests of ${name} failed (exit ${code})`);
  }
}
