import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { runForeground } from '../../app/foreground.js';
import { roseyRequest, runningAt, type ControlTarget } from '../../app/control-client.js';
import { statusReplySchema } from '../../contract/messages/control.js';
import { subjects } from '../../contract/subjects.js';
import { isAlive } from '../../process/is-alive.js';
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
    mkdirSync(join(dataDir, 'logs'), { recursive: true });
    const outFile = join(dataDir, 'logs', 'rosey.out');
    const pidfile = join(dataDir, 'rosey.pid');
    const out = openSync(outFile, 'a');
    const args = [process.argv[1]!, 'start', '--config', file, '--pidfile', pidfile];
    if (dataDirFlag) args.push('--data-dir', dataDirFlag);
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    const pid = child.pid!;
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      const found = runningAt(dataDir);
      if (found?.pid === pid && (await this.isUp(found))) break;
      if (!isAlive(pid)) {
        const tail = readFileSync(outFile, 'utf8').trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
        fail(
          `Rosey exited during startup${tail ? `: ${tail.replace(/^rosey( \w+)?: /, '')}` : ''} (see ${outFile})`,
        );
      }
      if (Date.now() > deadline)
        fail(`Rosey (pid ${pid}) did not come up within ${readyTimeoutMs} ms (see ${outFile})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.log(
      `Rosey started in the background (pid ${pid}); output in ${outFile}. Stop it with \`rosey stop\`.`,
    );
  }

  /** Up means the root supervisor reports running over the control plane. */
  private async isUp(target: ControlTarget): Promise<boolean> {
    const result = await roseyRequest(
      target,
      subjects.control('status'),
      {},
      { reply: statusReplySchema, timeoutMs: 2000 },
    );
    return result.ok && result.data.tree.state === 'running';
  }
}
