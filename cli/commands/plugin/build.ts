import { Args, Flags } from '@oclif/core';
import { relative } from 'node:path';
import { buildPackage } from '../../../plugin-packages/build-package.js';
import { formatBytes } from '../../../plugin-packages/package-limits.js';
import { errorMessage } from '../../../contract/result.js';
import { RoseyCommand } from '../../base-command.js';

export default class PluginBuild extends RoseyCommand {
  static override summary = 'Check a plugin folder and pack it as a .roseyplug package.';

  static override description = `Validates manifest.yaml and the entry, then writes <name>-<version>.roseyplug next to the folder (or --out): a gzip'd tar of the plugin's files with a CHECKSUMS list (sha256), without node_modules, .git and dotfiles. A symbolic link in the folder is refused. Building twice gives the same bytes.`;

  static override examples = [
    '<%= config.bin %> plugin build',
    '<%= config.bin %> plugin build greeter --out dist/greeter.roseyplug',
  ];

  static override args = { dir: Args.string({ description: 'The plugin folder.', default: '.' }) };

  static override flags = {
    out: Flags.string({ description: 'Where to write the package.', helpValue: 'FILE' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginBuild);
    try {
      const built = await buildPackage(args.dir, flags.out);
      this.log(
        `built ${relative(process.cwd(), built.file)} (${built.name} ${built.version}, ${built.files} files, ${formatBytes(built.bytes)})`,
      );
    } catch (error) {
      this.fail(errorMessage(error));
    }
  }
}
