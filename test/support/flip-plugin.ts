import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FlipOptions {
  version: string;
  /** `unhealthy`: answers health checks with a failure. `crash`: exits `crashAfterMs` after start. */
  mode?: 'ok' | 'unhealthy' | 'crash' | 'no-start';
  crashAfterMs?: number;
}

/**
 * Writes plugin `flip` into `root/flip` (importing the SDK as `rosey/sdk`, as plugins outside
 * Rosey's tree do): `!v N` answers `<version>:N` (after `delay` ms when the
 * line is `!v N delay`), so a test can tell which generation answered which command.
 */
export function writeFlipPlugin(root: string, options: FlipOptions): string {
  const dir = join(root, 'flip');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.yaml'), `name: flip\nversion: ${options.version}\nentry: index.js\n`);
  const mode = options.mode ?? 'ok';
  writeFileSync(
    join(dir, 'index.js'),
    `import { definePlugin } from 'rosey/sdk';
let version = '?';
export default definePlugin({
  name: 'flip',
  start(ctx) {
    version = ctx.version;
    ${mode === 'no-start' ? "throw new Error('refusing to start');" : ''}
    ${
      mode === 'crash'
        ? `setTimeout(() => { throw new Error('crashing after start'); }, ${options.crashAfterMs ?? 0});`
        : ''
    }
  },
  health: () => ${mode === 'unhealthy' ? 'false' : 'true'},
  commands: {
    v: {
      usage: 'v N [delayMs]',
      cooldownMs: 0,
      run: async (ctx) => {
        const delay = Number(ctx.args[1] ?? 0);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        return version + ':' + ctx.args[0];
      },
    },
  },
});
`,
  );
  return dir;
}
