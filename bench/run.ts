/**
 * Rosey's benchmarks: `npm run bench [-- SUITE… --quick --profile DIR]`. Suites: `runtime`
 * (commands through the tree, recovery, footprint), `storage` (rosey.db.* on SQLite and
 * PostgreSQL), `cytube` (the CyTube connector against the fake CyTube), `reload` (blue-green
 * plugin reloads under load), `actions` (the action gate's capability check), `quote-db` (the
 * quote-db plugin's commands end to end over 10,000 quotes), `lean` (issue 16's footprint, start
 * and tail-latency targets), `tracing` (the round trip with tracing off and on) and `metrics` (issue 17:
 * the HTTP endpoint with ten plugins, the store over an hour), `inspect` (issue 18: the round trip
 * with inspection compiled out, unwatched and watched), `dashboard` (issue 18: one message to 20
 * pages, the round trip with a page open), `markov` (issue 20: learning rate and sentence
 * latency, the model alone and through the plugin), `cluster` (issue 25: connector failover over
 * kill -9, one node vs two); all by default. Numbers
 * are printed, never asserted; docs/benchmarks.md keeps the ones measured on the project machine.
 */
import { actionsSuite } from './actions.js';
import { clusterSuite } from './cluster.js';
import { cytubeSuite } from './cytube.js';
import { dashboardSuite } from './dashboard.js';
import { inspectSuite } from './inspect.js';
import { leanSuite } from './lean.js';
import { markovSuite } from './markov.js';
import { metricsSuite } from './metrics.js';
import { quoteDbSuite } from './quote-db.js';
import { reloadSuite } from './reload.js';
import { runtimeSuite, type SuiteOptions } from './runtime.js';
import { storageSuite } from './storage.js';
import { tracingSuite } from './tracing.js';

const SUITES: Record<string, (options: SuiteOptions) => Promise<void>> = {
  runtime: runtimeSuite,
  storage: storageSuite,
  cytube: cytubeSuite,
  reload: reloadSuite,
  actions: actionsSuite,
  'quote-db': quoteDbSuite,
  lean: leanSuite,
  tracing: tracingSuite,
  metrics: metricsSuite,
  inspect: inspectSuite,
  dashboard: dashboardSuite,
  markov: markovSuite,
  cluster: clusterSuite,
};

const args = process.argv.slice(2);
const profileAt = args.indexOf('--profile');
const profileDir = profileAt >= 0 ? args[profileAt + 1] : undefined;
if (profileAt >= 0 && !profileDir) {
  console.error('bench: --profile needs a directory');
  process.exit(2);
}
const named = args.filter((a, i) => !a.startsWith('--') && !(profileAt >= 0 && i === profileAt + 1));
const unknown = named.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  console.error(`bench: no suite ${unknown.join(', ')} (suites: ${Object.keys(SUITES).join(', ')})`);
  process.exit(2);
}
const options: SuiteOptions = {
  quick: args.includes('--quick'),
  // The CPU profile is of the Rosey process under test, written into DIR.
  nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
};
console.log(
  `Rosey benchmarks — node ${process.version}, ${process.platform}-${process.arch}${options.quick ? ' (quick)' : ''}\n`,
);
for (const name of named.length > 0 ? named : Object.keys(SUITES)) await SUITES[name]!(options);
