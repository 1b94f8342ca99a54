import { Args, Flags } from '@oclif/core';
import { existsSync } from 'node:fs';
import { followLog } from '../../app/logging/log-follower.js';
import {
  LEVELS,
  logFilePath,
  matches,
  parseLine,
  parseSince,
  recentLines,
  type LogFilter,
} from '../../app/logging/log-reader.js';
import { stderrDestination } from '../../app/logging/stderr.js';
import { RoseyCommand } from '../base-command.js';
import { configFor, locationFlags } from '../config-flags.js';

export default class Logs extends RoseyCommand {
  static override summary = "Print Rosey's log, or one actor's or plugin's lines; -f follows it.";

  static override description = `Reads the log file (log.file in the data directory, every rotated file included), whether Rosey runs or not. NAME keeps the lines of one actor (router, storage, cytube, …), one plugin (dice: its process's lines and what Rosey says about it) or one supervisor. Without --since, the last --lines lines (100) are printed; with it, every line since then. Lines print as on stderr ([12:00:01.250] WARN: [router] text), or as the file's JSON lines with --json. -f keeps printing new lines as they are written, across rotations, until Ctrl-C.`;

  static override examples = [
    '<%= config.bin %> logs',
    '<%= config.bin %> logs dice --since 10m',
    '<%= config.bin %> logs --level warn -f',
    '<%= config.bin %> logs router --json --lines 20',
  ];

  static override args = {
    name: Args.string({ description: 'An actor, plugin or supervisor name (as rosey status shows it).' }),
  };

  static override flags = {
    follow: Flags.boolean({
      char: 'f',
      description: 'Keep printing new lines as they are written (Ctrl-C ends).',
    }),
    since: Flags.string({
      description: 'Only lines since then: 30s, 10m, 2h, 1d, or a date (2026-12-06T12:00Z).',
      helpValue: 'WHEN',
    }),
    level: Flags.option({ options: LEVELS, description: 'Only this level and above.' })(),
    lines: Flags.integer({
      char: 'n',
      description: 'How many of the latest lines to print (default 100; all with --since).',
      min: 0,
    }),
    json: Flags.boolean({ description: "Print the file's JSON lines as they are." }),
    ...locationFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs);
    const fail: (message: string) => never = (message) => this.fail(message);
    const loaded = configFor(flags, {}, fail);
    const path = logFilePath(loaded);
    if (!path) fail('log.file is empty in the configuration: Rosey writes no log file (only stderr)');
    const since = flags.since === undefined ? undefined : parseSince(flags.since);
    if (flags.since !== undefined && since === undefined)
      fail(`--since ${flags.since}: expected 30s, 10m, 2h, 1d or a date such as 2026-12-06T12:00:00Z`);
    if (!existsSync(path) && !flags.follow)
      fail(`no log at ${path} yet: Rosey has not run with this data directory (or log.file changed)`);

    const filter: LogFilter = { name: args.name, level: flags.level, since };
    const out = flags.json
      ? { write: (line: string) => void process.stdout.write(`${line}\n`) }
      : stderrDestination('text', process.stdout);
    const limit = flags.lines ?? (since === undefined ? 100 : undefined);
    const lines = existsSync(path) ? await recentLines(path, filter, limit) : [];
    for (const line of lines) out.write(line);
    if (!flags.follow) {
      if (lines.length === 0) process.stderr.write(`rosey logs: no lines match in ${path}\n`);
      return;
    }
    const follower = followLog(path, (text) => {
      const line = parseLine(text);
      if (line && matches(line, filter)) out.write(text);
    });
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
    });
    follower.stop();
  }
}
