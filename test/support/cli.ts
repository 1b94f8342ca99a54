import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bin/run.js of this checkout: tests run the real `rosey` command. */
export const ROSEY_BIN = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `rosey <args>` to completion, feeding `input` on stdin. */
export function runCli(
  args: string[],
  options: { cwd: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; shell?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // `shell`: a whole bash command line instead of `rosey <args>` (pipelines).
    const [command, argv] = options.shell
      ? ['bash', ['-c', options.shell]]
      : [process.execPath, [ROSEY_BIN, ...args]];
    const child = spawn(command, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `rosey ${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Starts a long-running `rosey <args>` whose stdin stays open until `end()`. */
/** A word for `sh -c`, quoted. */
const shellWord = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * `rosey <args>` running on; `terminal: true` runs it in a terminal of its own (util-linux `script`
 * makes a pty), as a user at a shell would: its stdout and stderr both reach `lines` then, and
 * `interrupt()` types Ctrl-C.
 */
export function spawnCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; terminal?: boolean },
) {
  const command = [process.execPath, ROSEY_BIN, ...args];
  // `exec`: without SHELL set (as on CI) script runs dash, which keeps itself between the pty and
  // the command and dies of the Ctrl-C meant for the command: exit 130 whatever Rosey did (stop 34).
  const [file, argv] = options.terminal
    ? ['script', ['-qfec', `exec ${command.map(shellWord).join(' ')}`, '/dev/null']]
    : [process.execPath, command.slice(1)];
  const child: ChildProcessWithoutNullStreams = spawn(file!, argv as string[], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  const out: string[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    // A terminal ends its lines with \r\n.
    out.push(...lines.map((l) => l.replace(/\r$/, '')));
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    lines: out,
    stderr: () => stderr,
    say: (line: string) => child.stdin.write(line + '\n'),
    /** Ctrl-C typed in its terminal (`terminal: true`), which sends SIGINT to the command in it. */
    interrupt: () => child.stdin.write('\x03'),
    end: () => child.stdin.end(),
    exited,
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
