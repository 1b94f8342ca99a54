#!/usr/bin/env node
// The `rosey` command. Runs the compiled tree in dist/ (built by `npm install` / `npm run build`).
import { execute, settings } from '@oclif/core';

// Always run compiled code: plugin processes and the runner are forked from dist/ too.
settings.enableAutoTranspile = false;

await execute({ dir: import.meta.url });
