/**
 * The metrics suite (issue 17): what the metrics actor and the HTTP endpoint cost.
 *   1. `GET /metrics` and `GET /api/metrics` p50/p95/p99 against a `rosey start` with ten plugins
 *      (the five built-in ones and five small generated ones), with the window filled with samples
 *      (the whole window; the last 5 s, as a polling chart asks; thinned to 120 points);
 *      `GET /health` (no figures, one JSON line) beside them as the HTTP floor.
 *   2. The metrics store's heap over a simulated hour and three (ten plugins, a sample every 5 s):
 *      flat once the window is full, since the window is a fixed ring.
 * Nothing is asserted.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MetricsStore } from '../actors/metrics/metrics-store.js';
import { apiMetricsSchema, currentMetricsSchema } from '../contract/messages/metrics.js';
import { request } from '../contract/request.js';
import { subjects } from '../contract/subjects.js';
import { findNode } from '../supervisors/describe-tree.js';
import { statusReplySchema } from '../contract/messages/control.js';
import { launchRosey, ratioLine, sequential, sleep } from './harness.js';
import type { SuiteOptions } from './runtime.js';

const EXTRA = ['bench-a', 'bench-b', 'bench-c', 'bench-d', 'bench-e'];
const PLUGINS = ['dice', 'magic-8ball', 'countdown', 'trivia', 'quote-db', ...EXTRA];

/** Five plugins of one command each, in a folder of their own, as an operator's would be. */
function extraPlugins(dir: string): string {
  const root = join(dir, 'more-plugins');
  for (const name of EXTRA) {
    mkdirSync(join(root, name), { recursive: true });
    writeFileSync(
      join(root, name, 'manifest.yaml'),
      [`name: ${name}`, 'version: 1.0.0', 'description: bench', 'entry: index.js', 'memoryMb: 64'].join('\n'),
    );
    writeFileSync(
      join(root, name, 'index.js'),
      `import { definePlugin } from 'rosey/sdk';\nexport default definePlugin({ name: '${name}', commands: { '${name}': { usage: '${name}', run: () => 'ok' } } });\n`,
    );
  }
  return root;
}

async function endpoint(quick: boolean, nodeArgs: string[]): Promise<void> {
  const n = quick ? 300 : 2000;
  const samples = quick ? 100 : 720;
  const dir = mkdtempSync(join(tmpdir(), 'rosey-bench-'));
  const rosey = await launchRosey({
    dir,
    config: [
      'log:',
      '  stderrLevel: error',
      `plugins: { paths: [${JSON.stringify(extraPlugins(dir))}] }`,
      // A sample every 100 ms fills the window (720 samples: an hour at 5 s) in 72 s.
      'metrics: { intervalMs: 100, windowMs: 72000 }',
      'http: { enabled: true, port: 0 }',
    ],
    nodeArgs,
    ready: (tree) =>
      PLUGINS.every((p) => findNode(tree, `${p}@1`)?.status === 'running') &&
      findNode(tree, 'http')?.status === 'running',
  });
  try {
    const status = await request(
      rosey.nc,
      subjects.control('status'),
      {},
      { timeoutMs: 5000, reply: statusReplySchema },
    );
    if (!status.ok) throw new Error(status.error.message);
    const http = findNode(status.data.tree, 'http');
    const base = `http://127.0.0.1:${String(http?.info?.port)}`;
    console.log(`== Metrics: the HTTP endpoint, ten plugins, ${samples} samples in the window ==\n`);
    for (;;) {
      const res = await fetch(`${base}/api/metrics`);
      const body = apiMetricsSchema.parse(await res.json());
      if (body.history.at.length >= samples && body.plugins.every((p) => p.process)) break;
      await sleep(500);
    }
    const get = (path: string) => async () => {
      const res = await fetch(`${base}${path}`);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      return res.text();
    };
    const sizes = await Promise.all(['/metrics', '/api/metrics'].map(async (p) => (await get(p)()).length));
    console.log(
      `  /metrics ${(sizes[0]! / 1024).toFixed(1)} KiB, /api/metrics ${(sizes[1]! / 1024).toFixed(1)} KiB`,
    );
    const health = await sequential('  GET /health (the HTTP floor)', n, get('/health'));
    const metrics = await sequential('  GET /metrics (Prometheus text)', n, get('/metrics'));
    const api = await sequential('  GET /api/metrics (JSON, with the window)', n, get('/api/metrics'));
    // What a chart polling every 5 s asks for once it has the window: the samples since its last.
    const since = await sequential('  GET /api/metrics?since=<5 s ago>', n, () =>
      get(`/api/metrics?since=${Date.now() - 5000}`)(),
    );
    const points = await sequential('  GET /api/metrics?points=120', n, get('/api/metrics?points=120'));
    console.log(ratioLine(metrics, health, '/metrics to /health'));
    console.log(ratioLine(api, health, '/api/metrics to /health'));
    console.log(ratioLine(since, health, '/api/metrics?since to /health'));
    console.log(ratioLine(points, health, '/api/metrics?points=120 to /health'));
    const current = await request(
      rosey.nc,
      subjects.metricsCurrent,
      {},
      { timeoutMs: 5000, reply: currentMetricsSchema },
    );
    if (current.ok) {
      const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
      console.log(
        `  main process while sampling every 100 ms: rss ${mb(current.data.main.rss)}, cpu ${current.data.main.cpuPercent?.toFixed(1)}%`,
      );
    }
    console.log('');
  } finally {
    await rosey.stop();
  }
}

function gc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The store over a simulated 1 h and 3 h: ten plugins, a sample and a tree reading every 5 s. */
function window(): void {
  console.log('== Metrics: the store over a simulated hour (ten plugins, every 5 s) ==\n');
  const collect = gc();
  const heap = () => {
    collect();
    collect();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };
  const before = heap();
  const store = new MetricsStore(5000, 3_600_000, () => 64);
  const reading = {
    restarts: PLUGINS.map((p) => ({ path: `plugins/${p}/${p}@1`, restarts: 0 })),
    plugins: PLUGINS.map((name, i) => ({ name, status: 'running', generation: 1, pid: 1000 + i })),
    connectors: [{ name: 'cytube', state: 'ready', wanted: true, up: true }],
  };
  let at = Date.now();
  const tick = () => {
    at += 5000;
    store.tree(reading);
    for (const name of PLUGINS)
      store.plugin(name, {
        // Rounded as processSampler rounds it: the JSON carries what a plugin reports.
        cpuPercent: Math.round(Math.random() * 1000) / 10,
        rss: 5e7,
        heapUsed: 1e7,
        eventLoopP50Ms: 1,
        eventLoopP99Ms: 2,
      });
    for (let i = 0; i < 20; i++)
      store.command({ plugin: 'dice', command: 'roll', outcome: 'ok', seconds: Math.random() / 100 });
    store.sample(at, { cpuPercent: 1, rss: 9e7, heapUsed: 3e7, eventLoopP50Ms: 1, eventLoopP99Ms: 2 });
  };
  const perHour = 3600 / 5;
  for (let i = 0; i < perHour; i++) tick();
  const oneHour = heap();
  for (let i = 0; i < 2 * perHour; i++) tick();
  const threeHours = heap();
  console.log(`  samples kept: ${store.window.size} (capacity ${store.window.capacity})`);
  console.log(`  heap held by the store after 1 h: ${(oneHour - before).toFixed(2)} MB`);
  console.log(`  heap held by the store after 3 h: ${(threeHours - before).toFixed(2)} MB`);
  console.log(`  growth from hour 1 to hour 3: ${(threeHours - oneHour).toFixed(2)} MB`);
  // The server's own part of GET /api/metrics, without HTTP: the body right after a new sample
  // (the window's text put together again) and again until the next (reused).
  const time = (once: () => unknown) => {
    const start = performance.now();
    once();
    return performance.now() - start;
  };
  const afterSample: number[] = [];
  const reused: number[] = [];
  for (let i = 0; i < 200; i++) {
    tick();
    afterSample.push(time(() => store.apiMetricsText()));
    reused.push(time(() => store.apiMetricsText()));
  }
  const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!.toFixed(3);
  console.log(
    `  /api/metrics body (${(store.apiMetricsText().length / 1024).toFixed(1)} KiB), no HTTP: after a sample p50 ${p(afterSample, 0.5)} ms p95 ${p(afterSample, 0.95)} ms; reused p50 ${p(reused, 0.5)} ms p95 ${p(reused, 0.95)} ms\n`,
  );
}

export async function metricsSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  window();
  await endpoint(quick, nodeArgs);
}
