import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ConfigError, configProblems, readConfigInput } from '../../../app/config/load.js';
import { findExecutable } from '../../../process/find-executable.js';
import { RoseyCommand } from '../../base-command.js';
import { configFile, locationFlags } from '../../config-flags.js';

/** What a new file starts as: a pointer to the reference rather than a copy of it. */
const STARTER = `# Rosey's configuration: every key is optional (docs/configuration.md lists them all).
# rosey config show prints what Rosey runs with; rosey config validate checks this file.
`;

export default class ConfigEdit extends RoseyCommand {
  static override summary = 'Edit the configuration file in $EDITOR; an invalid edit is not saved.';

  static override description = `Opens a copy of the configuration file (see rosey config path; ./rosey.yaml is created when there is none) in $VISUAL, else $EDITOR, else vi. When the editor exits, the copy is checked as rosey config validate would: a valid copy replaces the file in one step (keeping its permissions), an invalid one is not saved — in a terminal you are asked to edit it again, otherwise the problems are listed, your edit is kept next to the file and the command exits 1. A running Rosey does not reread its configuration: restart it for the change to apply.`;

  static override examples = [
    '<%= config.bin %> config edit',
    'EDITOR=nano <%= config.bin %> config edit --config deploy/rosey.yaml',
  ];

  static override flags = { config: locationFlags.config };

  async run(): Promise<void> {
    const { flags } = await this.parse(ConfigEdit);
    const fail: (message: string) => never = (message) => this.fail(message);
    const target = resolve(configFile(flags) ?? 'rosey.yaml');
    const exists = existsSync(target);
    if (exists && statSync(target).isDirectory())
      fail(`${target} is a directory; expected a YAML or JSON file`);
    const original = exists ? readFileSync(target, 'utf8') : STARTER;
    const ext = extname(target);
    // Next to the file (a rename across file systems would not be atomic), and with its extension:
    // the extension says whether the copy is read as YAML or JSON.
    const copy = join(dirname(target), `.${basename(target, ext)}.edit-${process.pid}${ext}`);
    writeFileSync(copy, original, { mode: exists ? statSync(target).mode & 0o777 : 0o600 });
    const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
    // Checked first: the shell's own "not found" would make a second line on stderr.
    if (!findExecutable(editor.trim().split(/\s+/)[0]!)) {
      unlinkSync(copy);
      fail(`editor not found: ${editor} (set $EDITOR): nothing saved`);
    }

    for (;;) {
      // Through sh, as git and crontab do: $EDITOR may carry arguments (`code --wait`).
      const run = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', copy], { stdio: 'inherit' });
      const edited = readFileSync(copy, 'utf8');
      if (run.status !== 0) {
        const why =
          run.status === 127
            ? `editor not found: ${editor} (set $EDITOR)`
            : `${editor} exited with ${run.status ?? run.signal}`;
        if (edited === original) unlinkSync(copy);
        fail(`${why}: nothing saved${edited === original ? '' : `; your edit is kept in ${copy}`}`);
      }
      if (edited === original) {
        unlinkSync(copy);
        this.log(exists ? `${target}: no changes` : `no changes: ${target} not created`);
        return;
      }
      const problems = check(copy).map((p) => p.split(copy).join(target));
      if (problems.length === 0) {
        renameSync(copy, target);
        if (!exists) chmodSync(target, 0o600);
        this.log(`saved ${target} (restart a running Rosey for it to apply)`);
        return;
      }
      for (const problem of problems) this.log(`  ${problem}`);
      if (!(process.stdin.isTTY && process.stdout.isTTY) || !(await askAgain())) {
        fail(
          `not saved: ${problems.length} problem${problems.length === 1 ? '' : 's'}; your edit is kept in ${copy}`,
        );
      }
    }
  }
}

/** Every problem of the edited copy, its syntax first. */
function check(file: string): string[] {
  try {
    return configProblems(readConfigInput({ file }).raw);
  } catch (error) {
    if (error instanceof ConfigError) return [error.message];
    throw error;
  }
}

async function askAgain(): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question('Edit it again? [Y/n] ');
    return !/^n/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
