import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from '../contract/zod.js';
import { entryLoaderArgs, pluginBaseEnv, resolveEntry } from '../plugin-packages/plugin-entry.js';
import type { LoadedPlugin } from '../plugin-packages/manifest.js';
import { validate } from '../contract/validate.js';
import { SDK_REGISTER } from './plugin-tests.js';

const CHECK = fileURLToPath(new URL('../sdk/check-plugin.js', import.meta.url));
/** A plugin whose module does not finish loading in this time would not start either. */
const CHECK_TIMEOUT_MS = 30_000;
/** As a plugin process's default heap: code that needs more at load would not start either. */
const CHECK_MEMORY_MB = 256;
/** How much of the check's stderr is kept for the reason (its last line). */
const STDERR_KEPT = 16 * 1024;

/** What sdk/check-plugin.js writes on its fd 3: the plugin's output on stdout cannot garble it. */
const verdictSchema = z.union([
  z.object({ ok: z.literal(true), commands: z.array(z.string()) }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);

/**
 * Loads the plugin's code in a process of its own, as Rosey's plugin process will (the same entry,
 * loader, environment and heap limit), without starting it: resolves with the command names it
 * declares, or rejects with why it would not start (`index.js:5: SyntaxError: …`). Issue 22:
 * `rosey plugin build` packed code that did not load. The code is a plugin's, possibly fetched from
 * a repository: it gets none of the operator's environment, and is killed outright at the deadline.
 */
export function checkPluginLoads(plugin: LoadedPlugin): Promise<string[]> {
  const entry = resolveEntry(plugin.entry);
  const argv = [
    `--max-old-space-size=${CHECK_MEMORY_MB}`,
    '--import',
    SDK_REGISTER,
    ...entryLoaderArgs(entry),
    CHECK,
    plugin.dir,
    entry,
    plugin.manifest.name,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      env: pluginBaseEnv(),
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let verdict = '';
    let timedOut = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT);
    });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      verdict += chunk.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHECK_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run the load check of ${plugin.manifest.entry}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut)
        return reject(
          new Error(`${plugin.manifest.entry} did not finish loading within ${CHECK_TIMEOUT_MS / 1000} s`),
        );
      let parsed: unknown;
      try {
        parsed = JSON.parse(verdict);
      } catch {
        parsed = undefined;
      }
      const said = validate(verdictSchema, parsed);
      if (said.ok) return said.data.ok ? resolve(said.data.commands) : reject(new Error(said.data.message));
      // No verdict: the code ended the process itself (process.exit, a crash, the heap limit).
      const last = stderr.trim().split('\n').filter(Boolean).at(-1);
      reject(
        new Error(
          `the load check of ${plugin.manifest.entry} ended without a verdict (${signal ?? `exit code ${code}`})${last ? `: ${last}` : ''}`,
        ),
      );
    });
  });
}
