import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FlipOptions {
  version: string;
  /** `unhealthy`: answers health checks with a failure. `crash`: exits `crashAfterMs` after start. */
  mode?: 'ok' | 'unhealthy' | 'crash' | 'no-start';
  crashAfterMs?: number;
  /**
   * `!c` counts in memory (answers `<version>#<count>`). `both`: the count survives a reload through
   * snapshot/restore; `restore-fails`: the new version's restore throws.
   */
  handoff?: 'none' | 'both' | 'restore-fails';
}

/**
 * Writes plugin `flip` into `root/flip` (importing the SDK as `rosey/sdk`, as plugins outside
 * Rosey's tree do): `!v N` answers `<version>:N` (after `delay` ms when the
 * line is `!v N delay`, or once the test calls `releaseFlip(root, name)` when it is
 * `!v N until:name`), so a test can tell which generation answered which command.
 */
export function writeFlipPlugin(root: string, options: FlipOptions): string {
  const dir = join(root, 'flip');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.yaml'), `name: flip\nversion: ${options.version}\nentry: index.js\n`);
  const mode = options.mode ?? 'ok';
  writeFileSync(
    join(dir, 'index.js'),
    `import { existsSync } from 'node:fs';
import { definePlugin } from 'rosey/sdk';
let version = '?';
let count = 0;
export default definePlugin({
  name: 'flip',${
    options.handoff === 'both' || options.handoff === 'restore-fails'
      ? `
  // Slow on purpose: a snapshot takes time, and commands must not reach blue meanwhile.
  snapshot: async () => { const at = count; await new Promise((r) => setTimeout(r, 200)); return { count: at }; },
  restore: (state) => { ${options.handoff === 'restore-fails' ? "throw new Error('cannot read that state');" : 'count = state.count;'} },`
      : ''
  }
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
    c: { usage: 'c', cooldownMs: 0, run: () => version + '#' + ++count },
    v: {
      usage: 'v N [delayMs]',
      cooldownMs: 0,
      run: async (ctx) => {
        const wait = ctx.args[1] ?? '0';
        if (wait.startsWith('until:')) {
          const release = ${JSON.stringify(join(root, 'release-'))} + wait.slice('until:'.length);
          const giveUp = Date.now() + 60_000;
          while (!existsSync(release) && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 10));
        } else if (Number(wait) > 0) await new Promise((resolve) => setTimeout(resolve, Number(wait)));
        return version + ':' + ctx.args[0];
      },
    },
  },
});
`,
  );
  return dir;
}

/** Lets every `!v N until:<name>` that flip runs under `root` answer. */
export function releaseFlip(root: string, name: string): void {
  writeFileSync(join(root, `release-${name}`), '');
}
