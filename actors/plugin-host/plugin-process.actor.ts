import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fromCallback } from 'xstate';
import type { Logger } from '../../contract/log.js';
import { compileCacheEnv } from '../../process/compile-cache.js';
import { dieWithParent } from '../../process/parent-death.js';
import { describeProcessExit } from '../../process/process-exit.js';
import { toEnv, type PluginEnv } from '../../contract/plugin-env.js';
import { parsePluginLogLine } from '../../contract/plugin-log-line.js';
import { entryLoaderArgs, pluginBaseEnv, resolveEntry } from '../../plugin-packages/plugin-entry.js';
import { errorSummary } from './error-summary.js';

export interface PluginProcessInput {
  env: PluginEnv;
  /** V8 old-space limit for the process. */
  memoryMb: number;
  logger: Logger;
}

export type PluginProcessEvent =
  | { type: 'proc.spawned'; pid: number }
  | {
      type: 'proc.exit';
      code: number | null;
      signal: NodeJS.Signals | null;
      description: string;
      lastError?: string;
    };

export type PluginProcessCommand = { type: 'proc.terminate'; graceMs: number };

const RUNNER = fileURLToPath(new URL('../../sdk/runner.js', import.meta.url));
const PLUGIN_SEMI_SPACE_MB = 1;

/** Node flags for a plugin entry: TypeScript entries go through tsx, compiled ones run as they are. */
function execArgvFor(entry: string, memoryMb: number): string[] {
  const args = [
    `--max-old-space-size=${memoryMb}`,
    // A plugin's garbage lives for one command: a 1 MB semi-space collects it as often as needed,
    // where V8's default lets the young generation grow under load and keep its pages (issue 16).
    `--max-semi-space-size=${PLUGIN_SEMI_SPACE_MB}`,
    '--enable-source-maps',
  ];
  return [...args, ...entryLoaderArgs(entry)];
}

/**
 * Owns one plugin OS process: forks the runner, relays its output to Rosey's log under the plugin's
 * name, reports when it exits (with the last error line it printed), SIGTERMs it on request and
 * SIGKILLs it when stopped outright. Its own process group keeps a terminal Ctrl-C away from it.
 */
export const pluginProcess = fromCallback<PluginProcessCommand, PluginProcessInput>(
  ({ input, sendBack, receive }) => {
    const log = input.logger;
    const entry = resolveEntry(input.env.entry);
    let lastError: string | undefined;
    let exited = false;
    let killTimer: NodeJS.Timeout | undefined;

    // fork() runs `execPath ...execArgv RUNNER`; through setpriv the kernel kills the plugin if Rosey
    // dies, even when the plugin is too busy to notice its IPC channel closing.
    const launcher = dieWithParent(process.execPath, execArgvFor(entry, input.memoryMb));
    const child: ChildProcess = fork(RUNNER, [], {
      execPath: launcher.command,
      execArgv: launcher.args,
      // Rosey's compile cache, if it has one: the runner, the SDK, zod and the NATS client are the
      // same files in every plugin process and every start (process/compile-cache.ts).
      env: { ...pluginBaseEnv(), ...compileCacheEnv(), ...toEnv({ ...input.env, entry }) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
      serialization: 'json',
    });
    const killGroup = () => {
      // The plugin leads its own process group: take anything it started down with it.
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };

    const relay = (stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr') => {
      if (!stream) return;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        const { level, msg, fields } = parsePluginLogLine(line, name);
        if (level === 'error') lastError = errorSummary(msg);
        log[level](msg, fields);
      });
    };
    relay(child.stdout, 'stdout');
    relay(child.stderr, 'stderr');

    child.once('spawn', () => sendBack({ type: 'proc.spawned', pid: child.pid ?? -1 }));
    child.on('error', (error) => {
      // After a successful spawn an 'error' is a failed kill or IPC send: the process may still run.
      if (child.pid !== undefined) {
        log.warn(`plugin process: ${error.message}`);
        return;
      }
      if (exited) return;
      exited = true;
      sendBack({
        type: 'proc.exit',
        code: null,
        signal: null,
        description: `cannot start: ${error.message}`,
      });
    });
    child.once('exit', (code, signal) => {
      if (exited) return;
      exited = true;
      clearTimeout(killTimer);
      // Let the last lines of output arrive before reporting (they explain the exit).
      setImmediate(() =>
        sendBack({
          type: 'proc.exit',
          code,
          signal,
          description: describeProcessExit({ code, signal }),
          lastError,
        }),
      );
    });

    receive((command) => {
      if (command.type !== 'proc.terminate' || exited) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), command.graceMs);
    });

    return () => {
      clearTimeout(killTimer);
      if (!exited) killGroup();
      if (child.connected) child.disconnect();
    };
  },
);
