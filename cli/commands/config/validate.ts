import { Args } from '@oclif/core';
import { ConfigError, configProblems, readConfigInput } from '../../../app/config/load.js';
import { RoseyCommand } from '../../base-command.js';
import { configFile, locationFlags } from '../../config-flags.js';

export default class ConfigValidate extends RoseyCommand {
  static override summary = 'Check a configuration file and list every problem with its key.';

  static override description = `Checks FILE (default: the file rosey config path names) as Rosey would load it, the environment's overrides included, and prints every problem on its own line, each naming its key (router.commandTimeoutMs: …). Exits 0 when the file is valid, 1 otherwise.`;

  static override examples = [
    '<%= config.bin %> config validate',
    '<%= config.bin %> config validate deploy/rosey.yaml',
  ];

  static override args = {
    file: Args.string({ description: 'The file to check (YAML or JSON).', required: false }),
  };

  static override flags = { config: locationFlags.config };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ConfigValidate);
    const fail: (message: string) => never = (message) => this.fail(message);
    const file = args.file ?? configFile(flags);
    if (!file)
      fail('no configuration file to check (name one, or see rosey config path for where Rosey looks)');
    let input: ReturnType<typeof readConfigInput>;
    try {
      input = readConfigInput({ file });
    } catch (error) {
      if (error instanceof ConfigError) fail(error.message);
      throw error;
    }
    const problems = configProblems(input.raw);
    if (problems.length === 0) {
      this.log(`${input.file}: valid`);
      return;
    }
    for (const problem of problems) this.log(`  ${problem}`);
    fail(`${input.file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  }
}
