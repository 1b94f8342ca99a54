import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runForeground } from '../app/foreground.js';
import { runningAt } from '../app/control-client.js';
import { startDetached } from './detached-start.js';
import type { CommandIo } from './command-io.js';
import { configFile, configFor } from './config-target.js';

/** The flags of `rosey start` (cli/commands/start.ts declares them for oclif). */
export interface StartFlags {
  config?: string;
  'data-dir'?: string;
  detach?: boolean;
  'ready-timeout': number;
  pidfile?: string;
  /** `node.name` (docs/guides/SCALING.md). */
  node?: string;
}

/**
 * `rosey start`: the tree in the foreground until stopped, or in a background process with
 * --detach. Run by the oclif command and, without oclif, by the fast path (cli/fast-path.ts).
 */
export async function runStart(flags: StartFlags, io: CommandIo): Promise<void> {
  const fail: (message: string) => never = io.fail;
  const file = configFile(flags);
  if (!file) fail(`a configuration file is needed: --config FILE (or ROSEY_CONFIG, or ./rosey.yaml)`);
  const loaded = configFor(
    { ...flags, config: file },
    flags.node !== undefined ? { node: { name: flags.node } } : {},
    fail,
  );

  if (flags.detach) {
    await detach(resolve(file!), flags, loaded.dataDir, io);
    return;
  }
  if (flags.pidfile) writeFileSync(flags.pidfile, `${process.pid}\n`);
  const code = await runForeground({ loaded, label: 'rosey start' });
  if (flags.pidfile && readFileSync(flags.pidfile, 'utf8').trim() === String(process.pid))
    rmSync(flags.pidfile);
  process.exit(code);
}

async function detach(file: string, flags: StartFlags, dataDir: string, io: CommandIo): Promise<void> {
  const fail: (message: string) => never = io.fail;
  const current = runningAt(dataDir);
  if (current) fail(`Rosey is already running with data in ${dataDir} (pid ${current.pid})`);
  const { pid, outFile } = await startDetached({
    file,
    dataDirFlag: flags['data-dir'],
    node: flags.node,
    dataDir,
    readyTimeoutMs: flags['ready-timeout'],
    fail,
  });
  io.log(`Rosey started in the background (pid ${pid}); output in ${outFile}. Stop it with \`rosey stop\`.`);
}
