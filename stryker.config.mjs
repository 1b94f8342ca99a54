// @ts-check
/**
 * StrykerJS configuration for one core module at a time: `ROSEY_MUTATION_MODULE` names it (see
 * scripts/mutation/modules.mjs). Run it through `npm run mutation -- <module>` (scripts/mutation.mjs),
 * which picks a Node Stryker accepts, keeps one PostgreSQL server for the run and sets the preload
 * this configuration expects; docs/testing.md explains the choices.
 */
import { MODULES } from './scripts/mutation/modules.mjs';

const name = process.env.ROSEY_MUTATION_MODULE ?? '';
const module = MODULES[name];
if (!module) {
  throw new Error(`ROSEY_MUTATION_MODULE must be one of: ${Object.keys(MODULES).join(', ')} (got "${name}")`);
}
const reports = `reports/mutation/${name}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  plugins: ['@stryker-mutator/mocha-runner'],
  mutate: module.mutate,
  mochaOptions: {
    // The project's .mocharc.json runs every test in parallel; Stryker runs the module's tests in
    // its own process, one after the other, with the same root hooks.
    'no-config': true,
    spec: module.tests,
    require: ['dist/test/hooks.js'],
  },
  coverageAnalysis: 'perTest',
  // The sandbox gets the compiled dist/ with the rest; only the instrumented files are compiled again.
  buildCommand: 'node scripts/mutation/transpile.mjs',
  disableTypeChecks: false,
  ignorePatterns: ['/reports', '/data', '/coverage', '/.stryker-tmp'],
  incremental: true,
  incrementalFile: `${reports}/incremental.json`,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `${reports}/index.html` },
  jsonReporter: { fileName: `${reports}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // Real nats-servers, processes and databases: a test run varies with the machine's load.
  timeoutMS: 15_000,
  timeoutFactor: 2.5,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 85, break: null },
};
