import { spawn } from 'node:child_process';
import { Args, Flags } from '@oclif/core';
import { prepareShell } from '../../../app/backup/db-shell.js';
import { RoseyCommand } from '../../base-command.js';
import { configFor, locationFlags } from '../../config-flags.js';

export default class DbShell extends RoseyCommand {
  static override summary = "Open the database's own shell (sqlite3 or psql), read-only unless --write.";

  static override description = `Opens sqlite3 (with -readonly) or psql (with default_transaction_read_only on) on Rosey's database, on your terminal. Read-only guards against mistakes; it is not a permission. --write opens it for writing: change a plugin's tables only while Rosey is stopped or the plugin is disabled. Naming a plugin lists its tables (<plugin>__*, dashes as underscores) first; neither database can hide the other tables without a database role per plugin, so the shell still reaches every table. Needs sqlite3 (Debian package sqlite3) or psql (postgresql-client) on the PATH. Standard input may be a script.`;

  static override examples = [
    '<%= config.bin %> db shell',
    '<%= config.bin %> db shell quote-db',
    'echo "SELECT count(*) FROM quote_db__quotes;" | <%= config.bin %> db shell',
    '<%= config.bin %> db shell --write',
  ];

  static override args = {
    // Standard input is the shell's (a script), never this argument, as oclif would otherwise take it.
    plugin: Args.string({ description: 'A plugin whose tables to list first.', ignoreStdin: true }),
  };

  static override flags = {
    write: Flags.boolean({ description: 'Open for writing (read-only by default).' }),
    ...locationFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DbShell);
    const fail: (message: string) => never = (message) => this.fail(message);
    const loaded = configFor(flags, {}, fail);
    const shell = await prepareShell(loaded, { write: flags.write, plugin: args.plugin });
    if ('error' in shell) return fail(shell.error);
    if (shell.note) process.stderr.write(`${shell.note}\n`);
    const child = spawn(shell.command, shell.args, {
      stdio: 'inherit',
      env: { ...process.env, ...shell.env },
    });
    const code = await new Promise<number>((resolve) => {
      child.on('error', (error) => {
        process.stderr.write(`rosey db shell: cannot run ${shell.command}: ${error.message}\n`);
        resolve(1);
      });
      child.on('close', (status) => resolve(status ?? 1));
    });
    if (code !== 0) this.exit(code);
  }
}
