import { Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { ROSEY_VERSION } from '../../app/version.js';

export default class Version extends RoseyCommand {
  static override summary = "Print Rosey's version.";

  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json'];

  static override flags = {
    json: Flags.boolean({ description: 'Print as JSON.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Version);
    const info = {
      rosey: ROSEY_VERSION,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    };
    this.log(flags.json ? JSON.stringify(info) : `rosey ${info.rosey} (node ${info.node}, ${info.platform})`);
  }
}
