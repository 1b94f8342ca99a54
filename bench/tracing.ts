/**
 * The tracing suite (docs/tracing.md): the command round trip with tracing off and on, in one run.
 * Two real Roseys (`rosey start`, each with its own nats-server, SQLite, dice and quote-db plugin
 * processes) run side by side: one with tracing off, one exporting every span over OTLP/HTTP to a
 * collector in a process of its own (bench/otlp-collector.ts, on loopback). Commands go to them
 * in alternating blocks, so both see the same machine load, which on a shared machine drifts; each
 * block's order is swapped every time. `!roll 2d6` is router → plugin → reply; `!quote search`
 * adds the plugin's storage requests (and their spans).
 */
import { loadavg } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNode } from '../supervisors/describe-tree.js';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launchRosey, now, type RoseyUnderTest } from './harness.js';
import { benchPlatform, type SuiteOptions } from './runtime.js';
import { latencyLine, summarize, type Summary } from './stats.js';

const BLOCK = 50;
const COLLECTOR = fileURLToPath(new URL('./otlp-collector.js', import.meta.url));

function roseyConfig(otlpEndpoint?: string): string[] {
  return [
    'log:',
    '  stderrLevel: error',
    'router:',
    '  defaultCooldownMs: 0',
    '  commandTimeoutMs: 5000',
    'plugins:',
    '  disabled: [magic-8ball, countdown, trivia]',
    ...(otlpEndpoint ? ['telemetry:', `  otlpEndpoint: ${otlpEndpoint}`] : []),
  ];
}

const overhead = (on: Summary, off: Summary, k: 'p50' | 'p95' | 'p99') =>
  `${k} ${((on[k] / off[k] - 1) * 100).toFixed(1)} %`;

export async function tracingSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  const perCommand = quick ? 400 : 3000;
  console.log('== Tracing: command round trip, tracing off vs on (OTLP/HTTP to a local collector) ==\n');
  const collector = fork(COLLECTOR, [], { stdio: 'inherit' });
  const ask = <T>() => new Promise<T>((resolve) => collector.once('message', (m) => resolve(m as T)));
  const { url } = await ask<{ url: string }>();
  const launch = (otlpEndpoint?: string) =>
    launchRosey({
      dir: mkdtempSync(join(tmpdir(), 'rosey-bench-')),
      config: roseyConfig(otlpEndpoint),
      nodeArgs,
      ready: (tree) =>
        findNode(tree, 'dice@1')?.status === 'running' && findNode(tree, 'quote-db@1')?.status === 'running',
    });
  const roseys: RoseyUnderTest[] = [];
  try {
    roseys.push(await launch(), await launch(url));
    const [off, on] = await Promise.all(roseys.map((r) => benchPlatform(r.nc)));
    const load = () =>
      loadavg()
        .map((l) => l.toFixed(1))
        .join(' ');
    console.log(`load average at the start: ${load()}`);
    for (const [label, line] of [
      ['!roll 2d6 (router → plugin)', '!roll 2d6'],
      ['!quote search (+ storage requests)', '!quote search nothing matches this'],
    ] as const) {
      const samples = { off: [] as number[], on: [] as number[] };
      const block = async (which: 'off' | 'on', n: number, keep: boolean) => {
        const platform = which === 'off' ? off! : on!;
        for (let i = 0; i < n; i++) {
          const t = now();
          await platform.send(line);
          if (keep) samples[which].push(now() - t);
        }
      };
      // Warm-up (JIT, SQLite's caches, the exporter's first connection).
      await block('off', 200, false);
      await block('on', 200, false);
      for (let done = 0, turn = 0; done < perCommand; done += BLOCK, turn++) {
        const order = turn % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
        for (const which of order) await block(which, BLOCK, true);
      }
      const offSummary = summarize(samples.off);
      const onSummary = summarize(samples.on);
      console.log(label);
      console.log(latencyLine('  tracing off', offSummary));
      console.log(latencyLine('  tracing on', onSummary));
      console.log(
        `  overhead of tracing: ${overhead(onSummary, offSummary, 'p50')}, ${overhead(onSummary, offSummary, 'p95')}, ${overhead(onSummary, offSummary, 'p99')}`,
      );
    }
    console.log(`load average at the end: ${load()}`);
  } finally {
    for (const rosey of roseys) await rosey.stop();
    const answer = ask<{ spans: number }>();
    collector.send('count');
    console.log(`spans received by the collector: ${(await answer).spans}\n`);
    collector.disconnect();
  }
}
