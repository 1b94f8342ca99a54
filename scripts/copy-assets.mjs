// Copies the non-TypeScript files that belong next to compiled code (plugin manifests, migrations,
// fixtures, the dashboard's page) into dist/, so dist/ is a complete, runnable tree.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = ['plugins', 'test/fixtures', 'bench/fixtures'];
const keep = /\.(ya?ml|json|jsonl|sql|md|txt)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (keep.test(name)) cpSync(path, join(root, 'dist', relative(root, path)));
  }
}

for (const dir of roots) if (existsSync(join(root, dir))) walk(join(root, dir));

// The dashboard's page, served from the package as it is (docs/dashboard.md): every file.
const page = 'actors/dashboard/assets';
cpSync(join(root, page), join(root, 'dist', page), { recursive: true });
