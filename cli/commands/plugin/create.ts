import { Args, Flags } from '@oclif/core';
import { relative } from 'node:path';
import { scaffoldPlugin, TEMPLATES } from '../../../plugin-packages/scaffold.js';
import { errorMessage } from '../../../contract/result.js';
import { RoseyCommand } from '../../base-command.js';

export default class PluginCreate extends RoseyCommand {
  static override summary = 'Create a new plugin folder with a working command and its test.';

  static override description = `Writes <name>/ with manifest.yaml, index.js (a !hello command that counts greetings in the plugin's key-value store; with --template events, an echo that hears the channel's chat lines), test/<name>.test.js (run by \`rosey plugin test\`), package.json and README.md, and links node_modules/rosey to this Rosey so \`import … from 'rosey/sdk'\` resolves. Refuses an existing folder.`;

  static override examples = [
    '<%= config.bin %> plugin create greeter',
    '<%= config.bin %> plugin create greeter --dir ~/rosey-plugins',
    '<%= config.bin %> plugin create echo --template events',
  ];

  static override args = {
    name: Args.string({
      description: 'The plugin’s name: lower-case words joined by dashes, e.g. quote-db.',
      required: true,
    }),
  };

  static override flags = {
    dir: Flags.string({ description: 'Folder to create it in.', default: '.', helpValue: 'PATH' }),
    template: Flags.string({
      description: 'command: a !hello command using storage; events: an echo that hears chat lines.',
      options: [...TEMPLATES],
      default: 'command',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginCreate);
    let dir: string;
    try {
      dir = await scaffoldPlugin(args.name, flags.dir, flags.template as (typeof TEMPLATES)[number]);
    } catch (error) {
      return this.fail(errorMessage(error));
    }
    const shown = relative(process.cwd(), dir) || '.';
    this.log(`created ${args.name} in ${shown}`);
    this.log(`next: cd ${shown} && rosey plugin test`);
  }
}
