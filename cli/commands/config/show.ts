import { Flags } from '@oclif/core';
import { stringifyYaml } from '../../../contract/yaml.js';
import { maskSecrets } from '../../../app/config/masked-config.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags } from '../../config-flags.js';

/** The environment variables the configuration loader folds in (app/config/load.ts applyEnv). */
const ENV_OVERRIDES = [
  'NATS_URL',
  'DATABASE_URL',
  'CYTUBE_USERNAME',
  'CYTUBE_PASSWORD',
  'CYTUBE_CHANNEL_PASSWORD',
];

export default class ConfigShow extends RoseyCommand {
  static override summary = 'Print the configuration Rosey would run with, secrets masked.';

  static override description = `The file (see rosey config path) with the environment's overrides (${ENV_OVERRIDES.join(', ')}) and every default filled in, as YAML, or JSON with --json. Passwords, tokens, other secrets and a password inside a URL print as [Redacted] (present, value hidden), as in the log and in backups: the output can go into a bug report. Exits 1 when the configuration is invalid (rosey config validate lists every problem).`;

  static override examples = ['<%= config.bin %> config show', '<%= config.bin %> config show --json'];

  static override flags = {
    json: Flags.boolean({ description: 'Print JSON instead of YAML.' }),
    ...locationFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigShow);
    const loaded = configFor(flags, {}, (message) => this.fail(message));
    const shown = maskSecrets(loaded.config);
    if (flags.json) {
      this.log(JSON.stringify(shown, null, 2));
      return;
    }
    const fromEnv = ENV_OVERRIDES.filter((name) => process.env[name]);
    this.log(`# ${loaded.file ?? 'no configuration file: built-in defaults'}`);
    if (fromEnv.length > 0) this.log(`# overridden by the environment: ${fromEnv.join(', ')}`);
    this.log(`# data directory: ${loaded.dataDir}`);
    process.stdout.write(stringifyYaml(shown));
  }
}
