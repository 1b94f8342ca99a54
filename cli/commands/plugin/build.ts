import { Args, Flags } from '@oclif/core';
import { relative } from 'node:path';
import { buildPackage } from '../../../plugin-packages/build-package.js';
import { loadPlugin } from '../../../plugin-packages/manifest.js';
import { formatBytes } from '../../../plugin-packages/package-limits.js';
import { errorMessage } from '../../../contract/result.js';
import { RoseyCommand } from '../../base-command.js';
import { checkPluginLoads } from '../../plugin-load-check.js';
import { runPluginTests, testFiles } from '../../plugin-tests.js';

export default class PluginBuild extends RoseyCommand {
  static override summary = 'Check a plugin folder and pack it as a .roseyplug package.';

  static override description = `Validates manifest.yaml, loads the entry in a process of its own as Rosey would (without starting the plugin; its top-level code runs) and checks that it exports its plugin with valid commands — a file that does not parse is named with its line — then writes <name>-<version>.roseyplug next to the folder (or --out): a gzip'd tar of the plugin's files with a CHECKSUMS list (sha256), without node_modules, .git and dotfiles. A symbolic link in the folder is refused. Building twice gives the same bytes; a rebuild says it replaced the package. With --test the plugin's tests run first, and a failure builds nothing.`;

  static override examples = [
    '<%= config.bin %> plugin build',
    '<%= config.bin %> plugin build --test',
    '<%= config.bin %> plugin build greeter --out dist/greeter.roseyplug',
  ];

  static override args = { dir: Args.string({ description: 'The plugin folder.', default: '.' }) };

  static override flags = {
    out: Flags.string({ description: 'Where to write the package.', helpValue: 'FILE' }),
    test: Flags.boolean({ description: 'Run the plugin’s tests first (as `rosey plugin test`).' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginBuild);
    let plugin;
    let commands: string[];
    try {
      plugin = loadPlugin(args.dir);
      commands = await checkPluginLoads(plugin);
    } catch (error) {
      return this.fail(errorMessage(error));
    }
    if (flags.test) {
      const files = testFiles(plugin.dir);
      if (files.length === 0) return this.fail(`${plugin.manifest.name} has no tests in test/ (*.test.js)`);
      const code = await runPluginTests(plugin.dir, files);
      if (code !== 0)
        return this.fail(`the tests of ${plugin.manifest.name} failed (exit ${code}): nothing built`);
    }
    let built;
    try {
      built = await buildPackage(args.dir, flags.out);
    } catch (error) {
      return this.fail(errorMessage(error));
    }
    const listed = commands.length > 0 ? `; ${commands.map((c) => `!${c}`).join(', ')}` : '';
    const replaced = built.replaced ? ', replacing the package that was there' : '';
    this.log(
      `built ${relative(process.cwd(), built.file)} (${built.name} ${built.version}, ${built.files} files, ${formatBytes(built.bytes)}${listed})${replaced}`,
    );
  }
}
