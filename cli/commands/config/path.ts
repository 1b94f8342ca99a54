import { dirname } from 'node:path';
import { ConfigError, readConfigInput, resolveDataDir } from '../../../app/config/load.js';
import { configSchema } from '../../../app/config/schema.js';
import { RoseyCommand } from '../../base-command.js';
import { configFile, locationFlags } from '../../config-flags.js';

export default class ConfigPath extends RoseyCommand {
  static override summary =
    'Print the configuration file every rosey command would use, and its data directory.';

  static override description = `The file is --config, else $ROSEY_CONFIG, else ./rosey.yaml, ./rosey.yml or ./rosey.json if one exists. Prints the file's absolute path on the first line and the data directory (database, logs, runtime file) on the second, even when the file has problems (rosey config validate lists them). Exits 1 when there is no file: Rosey then runs on its built-in defaults.`;

  static override examples = [
    '<%= config.bin %> config path',
    '<%= config.bin %> config path --config deploy/rosey.yaml',
  ];

  static override flags = { ...locationFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigPath);
    const fail: (message: string) => never = (message) => this.fail(message);
    const named = configFile(flags);
    if (!named)
      fail(
        'no configuration file (looked for --config, $ROSEY_CONFIG, ./rosey.yaml, ./rosey.yml, ./rosey.json): Rosey runs on its built-in defaults',
      );
    let input: ReturnType<typeof readConfigInput>;
    try {
      input = readConfigInput({ file: named });
    } catch (error) {
      if (error instanceof ConfigError) fail(error.message);
      throw error;
    }
    const file = input.file!;
    // Only dataDir is read: the rest of the file may be wrong without changing where the data is.
    const dataDir = configSchema.shape.dataDir.safeParse(input.raw.dataDir);
    this.log(file);
    if (flags['data-dir'] === undefined && !dataDir.success)
      this.log(`data directory: unknown (dataDir: ${dataDir.error.issues[0]!.message})`);
    else this.log(`data directory: ${resolveDataDir(flags['data-dir'] ?? dataDir.data!, dirname(file))}`);
  }
}
