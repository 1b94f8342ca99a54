#!/usr/bin/env node
/**
 * `npm run mutation [-- <module>… [stryker options]]`: StrykerJS on Rosey's core modules, one
 * module after the other (all of scripts/mutation/modules.mjs when none is named), each against the
 * test files that exercise it. Options starting with `-` go to Stryker (`--concurrency 2`, `--force`
 * to ignore the incremental results, `--logLevel debug`).
 *
 * Before Stryker starts: a Node that StrykerJS 10 accepts (scripts/mutation/node-runtime.mjs), the
 * project compiled (the tests run from dist/), and one PostgreSQL server for every test run of the
 * mutation run (the test suite would otherwise start and stop one per run, i.e. per mutant).
 * Reports: reports/mutation/<module>/index.html; a score table is printed at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULES } from './mutation/modules.mjs';
import { sqliteBindingEnv, strykerNode } from './mutation/node-runtime.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const say = (message) => process.stderr.write(`mutation: ${message}\n`);

const args = process.argv.slice(2);
const firstOption = args.findIndex((arg) => arg.startsWith('-'));
const names = firstOption === -1 ? args : args.slice(0, firstOption);
const strykerArgs = firstOption === -1 ? [] : args.slice(firstOption);
const unknown = names.filter((name) => !(name in MODULES));
if (unknown.length > 0) {
  say(`unknown module ${unknown.join(', ')}; the modules are: ${Object.keys(MODULES).join(', ')}`);
  process.exit(2);
}
const modules = names.length > 0 ? names : Object.keys(MODULES);

const runtime = strykerNode(root);
const sqliteEnv = sqliteBindingEnv(runtime, root);

say('building (npm run build)…');
if (spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0)
  process.exit(1);

const { startPostgres } = await import(join(root, 'dist', 'test', 'support', 'postgres.js'));
say('starting PostgreSQL for the whole run…');
const postgres = await startPostgres();
let child;
let stopped;
const stop = () => {
  child?.kill('SIGINT');
  stopped ??= postgres.stop();
  return stopped;
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void stop().finally(() => process.exit(130));
  });
}

const preload = join(root, 'scripts', 'mutation', 'preload.mjs');
const stryker = join(root, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const env = {
  ...process.env,
  ...sqliteEnv,
  ROSEY_TEST_POSTGRES_PORT: String(postgres.port),
  NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${JSON.stringify(preload)}`].filter(Boolean).join(' '),
};

let failed = false;
try {
  for (const name of modules) {
    say(`module ${name}: Stryker on ${runtime.node === process.execPath ? process.version : 'Node 24'}…`);
    const code = await new Promise((resolve) => {
      child = spawn(runtime.node, [stryker, 'run', 'stryker.config.mjs', ...strykerArgs], {
        cwd: root,
        stdio: 'inherit',
        env: { ...env, ROSEY_MUTATION_MODULE: name },
      });
      child.on('close', resolve);
    });
    child = undefined;
    if (code !== 0) {
      say(`module ${name}: Stryker exited with ${code}`);
      failed = true;
    }
  }
} finally {
  await stop();
}

/** Stryker's mutation score: killed or timed out, of all mutants that ran or had no test. */
function score(report) {
  const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) if (mutant.status in counts) counts[mutant.status]++;
  }
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  return { ...counts, valid, score: valid === 0 ? NaN : (100 * detected) / valid };
}

const rows = [];
for (const name of modules) {
  const file = join(root, 'reports', 'mutation', name, 'mutation.json');
  if (!existsSync(file)) continue;
  const s = score(JSON.parse(readFileSync(file, 'utf8')));
  rows.push(
    `| ${name} | ${s.score.toFixed(1)} % | ${s.Killed + s.Timeout} / ${s.valid} | ${s.Survived} | ${s.NoCoverage} |`,
  );
}
if (rows.length > 0) {
  process.stdout.write(
    [
      '',
      '| module | score | detected / mutants | survived | no coverage |',
      '|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n') + '\n',
  );
  say(`HTML reports: reports/mutation/<module>/index.html`);
}
process.exit(failed ? 1 : 0);
