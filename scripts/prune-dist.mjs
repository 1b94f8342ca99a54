// Deletes compiled files whose source is gone (a module moved, renamed or deleted since the last
// build): tsc writes dist/ but never removes from it, so an old compiled test would still run in
// `npm test`, and an old module could still be imported. Copied files (the dashboard's page,
// fixtures) are left to scripts/copy-assets.mjs.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const copied = ['actors/dashboard/assets', 'test/fixtures', 'bench/fixtures'];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const source = relative(dist, path);
    if (statSync(path).isDirectory()) {
      if (!copied.includes(source)) walk(path);
    } else if (/\.js$/.test(name) && !existsSync(join(root, source.replace(/\.js$/, '.ts')))) {
      rmSync(path);
      rmSync(`${path}.map`, { force: true });
    }
  }
}

if (existsSync(dist)) walk(dist);
