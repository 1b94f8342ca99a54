import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { runForeground } from '../../app/foreground.js';
import { runningAt } from '../../app/control-client.js';
import { startDetached } from '../detached-start.js';
import { configFile, configFor, locationFlags } from '../config-flags.js';

export default class Start extends RoseyCommand {
  static override summary = 'Run Rosey with a configuration file (foreground, or --detach).';

  static override description = `Runs the supervision tree as configured in the file given with --config (or $ROSEY_CONFIG, or ./rosey.yaml|.yml|.json). In the foreground it runs until SIGINT/SIGTERM or \`rosey stop\`. With --detach it starts in the background, writes its pid to <dataDir>/rosey.pid and its output to <dataDir>/logs/rosey.out, and returns once Rosey is up (exit 1 with the reason if it cannot start).`;

  static override examples = [
    '<%= config.bin %> start --config rosey.yaml',
    '<%= config.bin %> start --config rosey.yaml --detach',
  ];

  static override flags = {
    ...locationFlags,
    detach: Flags.boolean({ char: 'd', description: 'Run in the background; return once it is up.' }),
    'ready-timeout': Flags.integer({
      description: 'With --detach: how long to wait for Rosey to come up, in ms.',
      default: 30_000,
      min: 1000,
    }),
    pidfile: Flags.string({ hidden: true, description: 'Remove this pidfile on exit (used by --detach).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Start);
    const fail: (message: string) => never = (message) => this.fail(message);
    const file = configFile(flags);
    if (!file) fail(`a configuration file is needed: --config FILE (or ROSEY_CONFIG, or ./rosey.yaml)`);
    const loaded = configFor({ ...flags, config: file }, {}, fail);

    if (flags.detach) {
      await this.detach(resolve(file!), flags['data-dir'], loaded.dataDir, flags['ready-timeout'], fail);
      return;
    }
    if (flags.pidfile) writeFileSync(flags.pidfile, `${process.pid}\n`);
    const code = await runForeground({ loaded, label: 'rosey start' });
    if (flags.pidfile && readFileSync(flags.pidfile, 'utf8').trim() === String(process.pid))
      rmSync(flags.pidfile);
    process.exit(code);
  }

  private async detach(
    file: string,
    dataDirFlag: string | undefined,
    dataDir: string,
    readyTimeoutMs: number,
    fail: (message: string) => never,
  ): Promise<void> {
    const current = runningAt(dataDir);
    if (current) fail(`Rosey is already running with data in ${dataDir} (pid ${current.pid})`);
    const { pid, outFile } = await startDetached({ file, dataDirFlag, dataDir, readyTimeoutMs, fail });
    this.log(
      `Rosey started in the background (pid ${pid}); output in ${outFile}. Stop it with \`rosey stop\`.`,
    );
  }
}
