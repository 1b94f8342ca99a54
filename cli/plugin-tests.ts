import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where `rosey/sdk` and `rosey/sdk/testing` are made to resolve to this Rosey in a child process. */
export const SDK_REGISTER = new URL('../sdk/testing/register.js', import.meta.url).href;

/** `<dir>/test/**\/*.test.js` (and .mjs), relative to `dir`, sorted. */
export function testFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = join(sub, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
      else if (entry.isFile() && /\.test\.m?js$/.test(entry.name)) found.push(path);
    }
  };
  try {
    walk('test');
  } catch {
    return [];
  }
  return found.sort();
}

/** Runs the files with Node's test runner in `dir`, output on this terminal; resolves with the exit code. */
export function runPluginTests(dir: string, files: string[]): Promise<number> {
  return new Promise<number>((resolve) => {
    // The spec reporter on a pipe too: the TAP default is for machines, this is for the author.
    const argv = ['--import', SDK_REGISTER, '--test', '--test-reporter=spec', ...files];
    const child = spawn(process.execPath, argv, { cwd: dir, stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
}
