#!/usr/bin/env node
// The `rosey` command. Runs the compiled tree in dist/ (built by `npm install` / `npm run build`).
import { enableCompileCache } from '../dist/process/compile-cache.js';
import { keepHeapSmall } from '../dist/process/main-heap.js';

// Before anything else loads: every module after this line (Rosey's and plugins' processes alike,
// which inherit the directory) is read from V8's code cache on disk when it was compiled before
// (process/compile-cache.ts; Node ≥ 22.1).
enableCompileCache();
// Rosey itself runs in the process of `rosey dev` and `rosey start`: its heap is sized for a long
// run before the first module loads, since V8 never shrinks a young generation that startup grew
// (process/main-heap.ts).
if (process.argv[2] === 'dev' || process.argv[2] === 'start') keepHeapSmall();
const { runFast } = await import('../dist/cli/fast-path.js');

// `rosey status`, `rosey dev` and `rosey start` with plain arguments run without loading oclif
// (cli/fast-path.ts says which arguments).
if (!(await runFast(process.argv.slice(2)))) {
  // oclif's index checks the Node version against its own engines with semver (~30 ms of every
  // command); npm checks Rosey's, which are stricter. Not left set for the processes Rosey starts.
  const engineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING;
  process.env.OCLIF_DISABLE_ENGINE_WARNING = '1';
  const { execute, settings } = await import('@oclif/core');
  if (engineCheck === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;
  else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineCheck;

  // Always run compiled code: plugin processes and the runner are forked from dist/ too.
  settings.enableAutoTranspile = false;

  await execute({ dir: import.meta.url });
}
