import { Args, Flags } from '@oclif/core';
import { BackupError } from '../../../app/backup/backup-format.js';
import { createBackup } from '../../../app/backup/create-backup.js';
import { pluginRoots } from '../../../app/start-rosey.js';
import { formatBytes } from '../../../plugin-packages/package-limits.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags } from '../../config-flags.js';

export default class DbBackup extends RoseyCommand {
  static override summary = "Back up Rosey's data into one archive (works while Rosey runs).";

  static override description = `Writes one .tar.gz archive holding a consistent snapshot of the database (SQLite: VACUUM INTO on a connection of its own; PostgreSQL: one REPEATABLE READ transaction) as one JSON-lines file per table, the configuration file (secrets masked unless --include-secrets), the plugin list with versions, the installed plugins, every plugin's migrations, and a manifest with a format version and the sha256 of every file. Rosey may keep running and writing meanwhile. Without FILE the archive goes to <dataDir>/backups/rosey-backup-<UTC time>.tar.gz. An existing FILE is never overwritten. The archive is readable by its owner only. Restore it with \`rosey db restore\`, into SQLite or PostgreSQL.`;

  static override examples = [
    '<%= config.bin %> db backup',
    '<%= config.bin %> db backup /srv/backups/rosey.tar.gz',
    '<%= config.bin %> db backup --include-secrets --config rosey.yaml',
  ];

  static override args = {
    file: Args.string({
      description: 'The archive to write (default: a timestamped file in <dataDir>/backups/).',
      // oclif would take piped standard input for a missing argument: a file name from nowhere.
      ignoreStdin: true,
    }),
  };

  static override flags = {
    'include-secrets': Flags.boolean({
      description: 'Keep passwords and tokens of the configuration in the archive (masked by default).',
    }),
    json: Flags.boolean({ description: 'Print the archive path and manifest as JSON.' }),
    ...locationFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DbBackup);
    const fail: (message: string) => never = (message) => this.fail(message);
    const loaded = configFor(flags, {}, fail);
    let summary;
    try {
      summary = await createBackup(loaded, {
        pluginRoots: pluginRoots(loaded),
        file: args.file,
        includeSecrets: flags['include-secrets'],
      });
    } catch (error) {
      if (error instanceof BackupError) fail(error.message);
      throw error;
    }
    const { manifest } = summary;
    if (flags.json) {
      this.log(JSON.stringify({ file: summary.file, bytes: summary.bytes, manifest }, null, 2));
      return;
    }
    const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
    const installed = manifest.plugins.filter((p) => p.source === 'installed').length;
    this.log(`Backed up to ${summary.file} (${formatBytes(summary.bytes)})`);
    this.log(`  database: ${manifest.database.dialect}, ${manifest.tables.length} tables, ${rows} rows`);
    this.log(
      `  plugins: ${manifest.plugins.map((p) => `${p.name} ${p.version}`).join(', ') || 'none'} (${installed} installed, in the archive)`,
    );
    this.log(
      `  config: ${manifest.secrets === 'no-config' ? 'none (built-in defaults)' : `secrets ${manifest.secrets}`}`,
    );
  }
}
