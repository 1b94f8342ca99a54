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
export function spawnCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [ROSEY_BIN, ...args], {
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
    out.push(...lines);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    lines: out,
    stderr: () => stderr,
    say: (line: string) => child.stdin.write(line + '\n'),
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
