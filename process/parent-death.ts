import { existsSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';

/**
 * Wraps a command so the kernel kills it if Rosey dies without stopping it (kill -9, OOM): util-linux
 * `setpriv --pdeathsig SIGKILL` sets PR_SET_PDEATHSIG and execs the command, so no process outlives
 * the tree that owns it. Where setpriv is missing the command runs as is.
 */
export function dieWithParent(command: string, args: readonly string[]): { command: string; args: string[] } {
  if (process.platform !== 'linux' || !existsSync(SETPRIV)) return { command, args: [...args] };
  return { command: SETPRIV, args: ['--pdeathsig', 'SIGKILL', '--', command, ...args] };
}
