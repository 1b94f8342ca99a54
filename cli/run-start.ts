import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runForeground } from '../app/foreground.js';
import { roseyRequest, runningAt, type ControlTarget } from '../app/control-client.js';
import { statusReplySchema } from '../contract/messages/control.js';
import { subjects } from '../contract/subjects.js';
import { isAlive } from '../process/is-alive.js';
import type { CommandIo } from './command-io.js';
import { configFile, configFor } from './config-target.js';

/** The flags of `rosey start` (cli/commands/start.ts declares them for oclif). */
export interface StartFlags {
  config?: string;
  'data-dir'?: string;
  detach?: boolean;
  'ready-timeout': number;
  pidfile?: string;
}

/**
 * `rosey start`: the tree in the foreground until stopped, or in a background process with
 * --detach. Run by the oclif command and, without oclif, by the fast path (cli/fast-path.ts).
 */
export async function runStart(flags: StartFlags, io: CommandIo): Promise<void> {
  const fail: (message: string) => never = io.fail;
  const file = configFile(flags);
  if (!file) fail(`a configuration file is needed: --config FILE (or ROSEY_CONFIG, or ./rosey.yaml)`);
  const loaded = configFor({ ...flags, config: file }, {}, fail);

  if (flags.detach) {
    await detach(resolve(file!), flags['data-dir'], loaded.dataDir, flags['ready-timeout'], io);
    return;
  }
  if (flags.pidfile) writeFileSync(flags.pidfile, `${process.pid}\n`);
  const code = await runForeground({ loaded, label: 'rosey start' });
  if (flags.pidfile && readFileSync(flags.pidfile, 'utf8').trim() === String(process.pid))
    rmSync(flags.pidfile);
  process.exit(code);
}

async function detach(
  file: string,
  dataDirFlag: string | undefined,
  dataDir: string,
  readyTimeoutMs: number,
  io: CommandIo,
): Promise<void> {
  const fail: (message: string) => never = io.fail;
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
    if (found?.pid === pid && (await isUp(found))) break;
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
  io.log(`Rosey started in the background (pid ${pid}); output in ${outFile}. Stop it with \`rosey stop\`.`);
}

/** Up means the root supervisor reports running over the control plane. */
async function isUp(target: ControlTarget): Promise<boolean> {
  const result = await roseyRequest(
    target,
    subjects.control('status'),
    {},
    { reply: statusReplySchema, timeoutMs: 2000 },
  );
  return result.ok && result.data.tree.state === 'running';
}
