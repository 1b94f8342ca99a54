/**
 * The tracing suite (docs/tracing.md): the command round trip with tracing off and on, in one run.
 * Two real Roseys (`rosey start`, each with its own nats-server, database, dice and quote-db plugin
 * processes) run side by side: one with tracing off, one exporting every span over OTLP/HTTP to a
 * collector in a process of its own (bench/otlp-collector.ts, on loopback). Commands go to them
 * in alternating blocks, so both see the same machine load, which on a shared machine drifts; each
 * block's order is swapped every time. `!roll 2d6` is router → plugin → reply; `!quote search`
 * adds the plugin's storage requests (and their spans).
 *
 * Three rounds, each giving its own ratios; the medians of the rounds are the result. Next to the
 * latencies, the CPU time each process spent per command (from /proc): where a cost lands, and a
 * figure much steadier than latency on a loaded machine.
 *
 * SQLite by default; PostgreSQL (a throwaway server) with `ROSEY_BENCH_DB=postgresql`, or when
 * better-sqlite3's native module does not load on this Node (built for another Node's ABI).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSampleRatio } from '../contract/trace-sampling.js';
import { findNode } from '../supervisors/describe-tree.js';
import { startPostgres, type PostgresServer } from '../test/support/postgres.js';
import { launchRosey, now, treeOf, type RoseyUnderTest } from './harness.js';
import { benchPlatform, type SuiteOptions } from './runtime.js';
import { latencyLine, summarize, type Summary } from './stats.js';

const BLOCK = 50;
// More rounds (ROSEY_BENCH_ROUNDS) give steadier medians on a loaded machine; ROSEY_BENCH_COMMANDS
// (`roll`, `quote`) runs one command only. ROSEY_BENCH_CONTROL=1 leaves tracing off on both sides
// (an A/A run): the differences it shows are the machine's, the floor under any overhead measured.
// ROSEY_BENCH_SAMPLE_RATIO traces that share of the chat lines on the traced side
// (`telemetry.sampleRatio`, docs/tracing.md#sampling); all of them by default.
const ROUNDS = Number(process.env.ROSEY_BENCH_ROUNDS ?? 3);
const COLLECTOR = fileURLToPath(new URL('./otlp-collector.js', import.meta.url));
const COMMANDS = [
  { key: 'roll', label: '!roll 2d6 (router → plugin)', line: '!roll 2d6', plugin: 'dice' },
  {
    key: 'quote',
    label: '!quote search (+ storage requests)',
    line: '!quote search nothing matches this',
    plugin: 'quote-db',
  },
] as const;
type Side = 'off' | 'on';
const PERCENTILES = ['p50', 'p95', 'p99'] as const;

function roseyConfig(database: string[], otlpEndpoint?: string, sampleRatio?: number): string[] {
  return [
    'log:',
    '  stderrLevel: error',
    'router:',
    '  defaultCooldownMs: 0',
    '  commandTimeoutMs: 5000',
    'plugins:',
    '  disabled: [magic-8ball, countdown, trivia, chat-stats]',
    ...database,
    ...(otlpEndpoint ? ['telemetry:', `  otlpEndpoint: ${otlpEndpoint}`] : []),
    ...(otlpEndpoint && sampleRatio !== undefined ? [`  sampleRatio: ${sampleRatio}`] : []),
  ];
}

/** Whether better-sqlite3's native module loads on this Node (it is built for one ABI). */
function sqliteLoads(): boolean {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => {
      close(): void;
    };
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

/** CPU milliseconds (user + system) a process has used so far. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const pct = (on: number, off: number) => `${((on / off - 1) * 100).toFixed(1)} %`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function tracingSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  const perRound = quick ? 300 : 1000;
  console.log('== Tracing: command round trip, tracing off vs on (OTLP/HTTP to a local collector) ==\n');
  const postgres = process.env.ROSEY_BENCH_DB === 'postgresql' || !sqliteLoads();
  let pg: PostgresServer | undefined;
  const database = (name: string) => (pg ? ['database:', `  url: ${JSON.stringify(pg.url(name))}`] : []);
  if (postgres) {
    pg = await startPostgres();
    for (const name of ['rosey_trace_off', 'rosey_trace_on']) pg.createDatabase(name);
  }
  const control = process.env.ROSEY_BENCH_CONTROL === '1';
  const sampleRatio = process.env.ROSEY_BENCH_SAMPLE_RATIO
    ? Number(process.env.ROSEY_BENCH_SAMPLE_RATIO)
    : undefined;
  if (sampleRatio !== undefined && !isSampleRatio(sampleRatio))
    throw new Error('ROSEY_BENCH_SAMPLE_RATIO must be a number from 0 to 1');
  console.log(`node ${process.version}, storage ${postgres ? 'PostgreSQL' : 'SQLite'}`);
  if (control) console.log('control run: tracing is off on both sides');
  else if (sampleRatio !== undefined) console.log(`traced side: telemetry.sampleRatio ${sampleRatio}`);
  const collector = fork(COLLECTOR, [], { stdio: 'inherit' });
  const ask = <T>() => new Promise<T>((resolve) => collector.once('message', (m) => resolve(m as T)));
  const { url } = await ask<{ url: string }>();
  const launch = (side: Side) =>
    launchRosey({
      dir: mkdtempSync(join(tmpdir(), 'rosey-bench-')),
      config: roseyConfig(
        database(`rosey_trace_${side}`),
        side === 'on' && !control ? url : undefined,
        sampleRatio,
      ),
      nodeArgs,
      ready: (tree) =>
        findNode(tree, 'dice@1')?.status === 'running' && findNode(tree, 'quote-db@1')?.status === 'running',
    });
  const roseys: Partial<Record<Side, RoseyUnderTest>> = {};
  try {
    // ROSEY_BENCH_ON_FIRST=1 starts the traced Rosey first: whether the order they start in (which
    // Rosey gets the first ports, caches, pids) shows in a result, as a control run can tell.
    if (process.env.ROSEY_BENCH_ON_FIRST === '1') {
      roseys.on = await launch('on');
      roseys.off = await launch('off');
    } else {
      roseys.off = await launch('off');
      roseys.on = await launch('on');
    }
    const sides = { off: roseys.off!, on: roseys.on! };
    const platforms = { off: await benchPlatform(sides.off.nc), on: await benchPlatform(sides.on.nc) };
    const pids = async (side: Side) => {
      const tree = await treeOf(sides[side].nc);
      const of = (id: string) => findNode(tree, id)!.info!.pid as number;
      return { main: sides[side].process.pid!, dice: of('dice@1'), 'quote-db': of('quote-db@1') };
    };
    const processes = { off: await pids('off'), on: await pids('on') };
    console.log(`load average at the start: ${load()}`);
    const only = process.env.ROSEY_BENCH_COMMANDS;
    for (const { label, line, plugin } of COMMANDS.filter((c) => !only || only.split(',').includes(c.key))) {
      const rounds: Array<Record<Side, { latency: Summary; main: number; plugin: number }>> = [];
      const warm = async (side: Side) => {
        for (let i = 0; i < 200; i++) await platforms[side].send(line);
      };
      // Warm-up (JIT, the database's caches, the exporter's first connection).
      await warm('off');
      await warm('on');
      console.log(label);
      for (let round = 0; round < ROUNDS; round++) {
        const samples: Record<Side, number[]> = { off: [], on: [] };
        const cpu = { off: { main: 0, plugin: 0 }, on: { main: 0, plugin: 0 } };
        const block = async (side: Side) => {
          const pid = processes[side];
          const [main, plug] = [cpuMs(pid.main), cpuMs(pid[plugin])];
          for (let i = 0; i < BLOCK; i++) {
            const t = now();
            await platforms[side].send(line);
            samples[side].push(now() - t);
          }
          cpu[side].main += cpuMs(pid.main) - main;
          cpu[side].plugin += cpuMs(pid[plugin]) - plug;
        };
        for (let done = 0, turn = 0; done < perRound; done += BLOCK, turn++) {
          for (const side of turn % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const))
            await block(side);
        }
        const result = (side: Side) => ({
          latency: summarize(samples[side]),
          main: (cpu[side].main * 1000) / samples[side].length,
          plugin: (cpu[side].plugin * 1000) / samples[side].length,
        });
        const r = { off: result('off'), on: result('on') };
        rounds.push(r);
        console.log(
          `  round ${round + 1}: overhead ${PERCENTILES.map((k) => `${k} ${pct(r.on.latency[k], r.off.latency[k])}`).join(', ')}; load ${load()}`,
        );
      }
      const med = (side: Side) => ({
        p50: median(rounds.map((r) => r[side].latency.p50)),
        p95: median(rounds.map((r) => r[side].latency.p95)),
        p99: median(rounds.map((r) => r[side].latency.p99)),
        n: rounds.reduce((n, r) => n + r[side].latency.n, 0),
        main: median(rounds.map((r) => r[side].main)),
        plugin: median(rounds.map((r) => r[side].plugin)),
      });
      const off = med('off');
      const on = med('on');
      const asSummary = (m: typeof off): Summary => ({ ...m, max: NaN, mean: NaN });
      console.log(latencyLine('  tracing off (medians of the rounds)', asSummary(off)));
      console.log(latencyLine('  tracing on (medians of the rounds)', asSummary(on)));
      console.log(
        `  overhead, median of the rounds' ratios: ${PERCENTILES.map((k) => `${k} ${((median(rounds.map((r) => r.on.latency[k] / r.off.latency[k])) - 1) * 100).toFixed(1)} %`).join(', ')}`,
      );
      console.log(
        `  CPU per command (median of the rounds): main ${off.main.toFixed(0)} → ${on.main.toFixed(0)} µs (${pct(on.main, off.main)}), ${plugin} ${off.plugin.toFixed(0)} → ${on.plugin.toFixed(0)} µs (${pct(on.plugin, off.plugin)})`,
      );
    }
    console.log(`load average at the end: ${load()}`);
  } finally {
    for (const rosey of Object.values(roseys)) await rosey.stop();
    const answer = ask<{ spans: number }>();
    collector.send('count');
    console.log(`spans received by the collector: ${(await answer).spans}\n`);
    collector.disconnect();
    await pg?.stop();
  }
}
