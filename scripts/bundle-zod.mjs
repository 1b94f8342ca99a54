// Replaces dist/contract/zod.js (tsc's `export * from 'zod'`) with one file holding all of zod, so
// that a process loads a single module instead of zod's 95 (contract/zod.ts says why).
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
await build({
  stdin: { contents: "export * from 'zod';", resolveDir: root, loader: 'js' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile: `${root}dist/contract/zod.js`,
  allowOverwrite: true,
  logLevel: 'warning',
});
