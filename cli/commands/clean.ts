import { Flags } from '@oclif/core';
import { rmSync } from 'node:fs';
import { findLeftovers } from '../../app/clean/leftovers.js';
import { errorMessage } from '../../contract/result.js';
import { formatBytes } from '../../plugin-packages/package-limits.js';
import { RoseyCommand } from '../base-command.js';
import { configFor, locationFlags } from '../config-flags.js';

export default class Clean extends RoseyCommand {
  static override summary =
    'Remove what a crashed Rosey or an interrupted install left behind, and logs past retention.';

  static override description = `Looks in the data directory for: a runtime file or pid file of a Rosey that has exited; configuration files of an embedded nats-server that is not running (they hold every plugin's credentials); files half-written by a process that has exited (*.<pid>.tmp); unfinished plugin installs and replaced plugin versions older than an hour; log files past log.rotate.keep. Nothing of a running Rosey is touched, and the database, backups and installed plugins never are. --dry-run lists what would go. Exits 1 if something could not be removed.`;

  static override examples = ['<%= config.bin %> clean --dry-run', '<%= config.bin %> clean'];

  static override flags = {
    'dry-run': Flags.boolean({ description: 'List what would be removed; remove nothing.' }),
    ...locationFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Clean);
    const loaded = configFor(flags, {}, (message) => this.fail(message));
    const leftovers = findLeftovers(loaded);
    if (leftovers.length === 0) {
      this.log(`nothing to clean in ${loaded.dataDir}`);
      return;
    }
    const failures: string[] = [];
    let freed = 0;
    for (const item of leftovers) {
      const line = `${item.path}  (${item.why}, ${formatBytes(item.bytes)})`;
      if (flags['dry-run']) {
        this.log(`would remove ${line}`);
        continue;
      }
      try {
        rmSync(item.path, { recursive: true, force: true });
        freed += item.bytes;
        this.log(`removed ${line}`);
      } catch (error) {
        failures.push(`${item.path}: ${errorMessage(error)}`);
      }
    }
    const total = leftovers.reduce((sum, item) => sum + item.bytes, 0);
    this.log(
      flags['dry-run']
        ? `${leftovers.length} to remove, ${formatBytes(total)}; run without --dry-run to remove them`
        : `freed ${formatBytes(freed)}`,
    );
    if (failures.length > 0) this.fail(`could not remove ${failures.join('; ')}`);
  }
}
