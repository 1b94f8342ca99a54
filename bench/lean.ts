/**
 * The lean suite (issue 16): exactly the issue's targets, each next to its raw baseline measured in
 * the same run.
 *   1. Start: spawn of `rosey dev` → every built-in plugin has answered a command of its own, five
 *      times in a fresh folder (a first run: core and plugin migrations) and five times reusing one;
 *      the floor is a bare `node -e 0`.
 *   2. RSS from /proc of every process (main, each plugin process, nats-server) of a `rosey start`
 *      with the built-in plugins, idle (every plugin answered once, the migrator's database
 *      thread closed for idleness, then 3 s); the floors are a bare Node process and the raw
 *      responder (a Node process with the NATS client connected, which is all a plugin must be).
 *   3. A cold `rosey status` (a new CLI process each time) against that Rosey, median of five.
 *   4. Round trip p50/p95/p99, one at a time and with 100 senders, and commands/s with 100 senders:
 *      `!roll 2d6` end to end against a bare NATS request/reply, printed as ratios.
 *   5. RSS again after 100,000 `!roll` commands, and of quote-db after 10,000 of its commands.
 * Nothing is asserted: the summary says which targets the run met.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TreeNode } from '../contract/messages/control.js';
import { encodeJson } from '../contract/envelope.js';
import { MIGRATOR_THREAD_IDLE_MS } from '../actors/migrator/migrator.machine.js';
import { findNode } from '../supervisors/describe-tree.js';
import {
  cpuSeconds,
  cpuShare,
  descendants,
  launchRosey,
  memoryMb,
  now,
  sequential,
  sleep,
  treeOf,
} from './harness.js';
import { benchPlatform, type SuiteOptions } from './runtime.js';
import { latencyLine, summarize, type Summary } from './stats.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const RESPONDER = fileURLToPath(new URL('./responder.js', import.meta.url));

/** The built-in plugins, each with a command only it answers and what its answer looks like. */
const PROBES: Array<{ plugin: string; line: string; answer: RegExp }> = [
  { plugin: 'dice', line: '!roll 2d6', answer: /rolled 2d6: / },
  { plugin: 'magic-8ball', line: '!8ball ready?', answer: /^🎱 / },
  { plugin: 'countdown', line: '!countdown list', answer: /countdowns? /i },
  { plugin: 'trivia', line: '!trivia stats', answer: /trivia score/ },
  { plugin: 'quote-db', line: '!quote count', answer: /^Total quotes: / },
  { plugin: 'chat-stats', line: '!top', answer: /^(Top talkers|Nobody has said anything)/ },
];
const PLUGINS = PROBES.map((p) => p.plugin);
const UNANSWERED_MS = 15_000;
/**
 * How long after the load the targets' memory is read: two periods of contract/idle-memory.ts's
 * look at the process (a whole quiet one, and the one that collects), and some.
 */
const SETTLE_MS = 30_000;
/** The router's own answers while a plugin is not serving yet: the probe is sent again. */
const NOT_YET = /is starting — try again|is not available yet/;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Wall time of a process from spawn to exit. */
async function timeProcess(args: string[], cwd: string): Promise<number> {
  const t = now();
  const child = spawn(process.execPath, args, { cwd, stdio: 'ignore' });
  const code = await exitOf(child);
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}`);
  return now() - t;
}

/** CPU seconds a start took until every plugin answered, by process kind. */
interface StartCpu {
  main: number;
  plugins: number;
  /** nats-server and anything else Rosey started. */
  other: number;
}

/** CPU used so far by `rosey dev`'s process and each process it started, by kind. */
function startCpu(mainPid: number): StartCpu {
  const cpu: StartCpu = { main: cpuSeconds(mainPid), plugins: 0, other: 0 };
  for (const pid of descendants(mainPid)) {
    try {
      // Its title once it names itself (sdk/runner.ts), the runner's path before.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const plugin = cmdline.includes('(rosey plugin)') || cmdline.includes('runner.js');
      cpu[plugin ? 'plugins' : 'other'] += cpuSeconds(pid);
    } catch {
      // Exited meanwhile: nothing of it to count.
    }
  }
  return cpu;
}

/**
 * Spawn of `rosey dev` in `cwd` → every built-in plugin answered its probe (sent at spawn, while
 * Rosey starts; again if the router said the plugin was still starting), and the CPU every process
 * of it had used by then. Then end of input, and the wait for a clean exit, which is not counted.
 */
export async function devStart(
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ms: number; cpu: StartCpu }> {
  const t0 = now();
  const child = spawn(process.execPath, [BIN, 'dev'], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = exitOf(child);
  const waiting = new Set(PLUGINS);
  let answeredAt = 0;
  let cpu: StartCpu | undefined;
  const send = (line: string) => child.stdin.write(`${line}\n`);
  const done = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (raw) => {
      const text = raw.replace(/^Rosey: /, '');
      if (NOT_YET.test(text)) {
        const again = PROBES.find(
          (p) => text.startsWith(`${p.plugin} is starting`) || text.startsWith(`${p.line.split(' ')[0]} is`),
        );
        if (again) setTimeout(() => send(again.line), 50);
        return;
      }
      const probe = PROBES.find((p) => waiting.has(p.plugin) && p.answer.test(text));
      if (!probe) return;
      waiting.delete(probe.plugin);
      if (waiting.size === 0) {
        answeredAt = now();
        cpu = startCpu(child.pid!);
        resolve();
      }
    });
    void exited.then((code) => reject(new Error(`rosey dev exited (${code}) before every plugin answered`)));
  });
  for (const probe of PROBES) send(probe.line);
  const limit = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await done;
  } finally {
    clearTimeout(limit);
  }
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`rosey dev exited ${code} after answering`);
  return { ms: answeredAt - t0, cpu: cpu! };
}

/**
 * `once` with `senders` callers each awaiting its reply before the next, `total` calls in all:
 * the latency of every call, and calls per second.
 */
async function senders(
  label: string,
  total: number,
  count: number,
  once: (i: number) => Promise<unknown>,
): Promise<{ latency: Summary; rate: number }> {
  const samples: number[] = [];
  let next = 0;
  let unanswered = 0;
  const sender = async () => {
    for (let i = next++; i < total; i = next++) {
      const t = now();
      // A command nobody answers must not hang the suite: it is counted, not timed.
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), UNANSWERED_MS);
        const settle = (ok: boolean) => () => {
          clearTimeout(timer);
          resolve(ok);
        };
        once(i).then(settle(true), settle(false));
      });
      if (answered) samples.push(now() - t);
      else unanswered++;
    }
  };
  const t = now();
  await Promise.all(Array.from({ length: count }, sender));
  const rate = total / ((now() - t) / 1000);
  const latency = summarize(samples);
  console.log(latencyLine(label, latency));
  console.log(
    `${''.padEnd(44)} ${rate.toFixed(0).padStart(8)} /s  (${count} senders, ${total} calls${unanswered ? `, ${unanswered} UNANSWERED within ${UNANSWERED_MS / 1000} s` : ''})`,
  );
  return { latency, rate };
}

type Memory = ReturnType<typeof memoryMb>;

/** The memory of every process of Rosey's tree, in MB. */
function footprint(mainPid: number, tree: TreeNode): Record<string, Memory> {
  return Object.fromEntries(
    Object.entries(processes(mainPid, tree)).map(([name, pid]) => [name, memoryMb(pid)]),
  );
}

/** Every process of Rosey's tree by name: main, each plugin's, nats-server. */
function processes(mainPid: number, tree: TreeNode): Record<string, number> {
  const pids: Record<string, number> = { main: mainPid };
  for (const plugin of PLUGINS) pids[plugin] = findNode(tree, `${plugin}@1`)!.info!.pid as number;
  pids['nats-server'] = findNode(tree, 'nats-server')!.info!.pid as number;
  return pids;
}

const mb = (value: number) => `${value.toFixed(1).padStart(7)} MB`;

/**
 * RSS (the targets' measure), and what each process costs alone (private) and its share of the
 * pages processes share (PSS): the sum of RSS counts the Node binary's pages once per process.
 */
function printFootprint(label: string, memory: Record<string, Memory>) {
  console.log(`${label.padEnd(44)}     RSS    private      PSS`);
  for (const [name, m] of Object.entries(memory))
    console.log(`  ${name.padEnd(42)} ${mb(m.rss)} ${mb(m.private)} ${mb(m.pss)}`);
  const sum = (key: keyof Memory) => Object.values(memory).reduce((a, m) => a + m[key], 0);
  console.log(`  ${'all processes'.padEnd(42)} ${mb(sum('rss'))} ${mb(sum('private'))} ${mb(sum('pss'))}`);
  console.log(`  ${''.padEnd(42)} (the PSS sum is what they take together)`);
}

const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

export async function leanSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  const starts = quick ? 2 : 5;
  const rollTotal = quick ? 10_000 : 100_000;
  const quoteTotal = quick ? 2_000 : 10_000;
  const oneAtATime = quick ? 300 : 2000;
  const SENDERS = 100;
  console.log('== Lean: memory, startup and tail latency (issue 16) ==\n');

  // ---- 1. start ---------------------------------------------------------------------------
  const bareStarts: number[] = [];
  for (let i = 0; i < starts; i++) bareStarts.push(await timeProcess(['-e', '0'], tmpdir()));
  const nodeStart = median(bareStarts);
  const fresh: number[] = [];
  const reused: number[] = [];
  const reusedCpu: StartCpu[] = [];
  const reusedDir = mkdtempSync(join(tmpdir(), 'rosey-lean-dev-'));
  for (let i = 0; i < starts; i++) {
    fresh.push((await devStart(mkdtempSync(join(tmpdir(), 'rosey-lean-dev-')))).ms);
    const again = await devStart(reusedDir);
    reused.push(again.ms);
    reusedCpu.push(again.cpu);
  }
  // What bounds a start from below: the CPU it takes, spread over every core at best.
  const startCpuOf = (kind: keyof StartCpu) => median(reusedCpu.map((c) => c[kind]));
  const cpuTotal = startCpuOf('main') + startCpuOf('plugins') + startCpuOf('other');
  const cores = availableParallelism();
  console.log('Start: spawn of `rosey dev` → every built-in plugin answering');
  console.log(`  bare \`node -e 0\` (floor)                    ${nodeStart.toFixed(0).padStart(6)} ms`);
  console.log(
    `  fresh folder (first run), median of ${starts}      ${median(fresh).toFixed(0).padStart(6)} ms  (${list(fresh)})`,
  );
  console.log(
    `  same folder again, median of ${starts}             ${median(reused).toFixed(0).padStart(6)} ms  (${list(reused)})`,
  );
  console.log(
    `  CPU until then (same folder), medians: main ${startCpuOf('main').toFixed(2)} s, the ${PLUGINS.length} plugin processes ${startCpuOf('plugins').toFixed(2)} s, nats-server ${startCpuOf('other').toFixed(2)} s`,
  );
  console.log(
    `  ${cpuTotal.toFixed(2)} s of CPU on ${cores} cores: no start under ${(cpuTotal / cores).toFixed(2)} s here, even with all of it in parallel\n`,
  );

  // ---- 2. idle footprint ------------------------------------------------------------------
  const dir = mkdtempSync(join(tmpdir(), 'rosey-lean-'));
  const rosey = await launchRosey({
    dir,
    config: ['log:', '  stderrLevel: error', 'router:', '  defaultCooldownMs: 0'],
    nodeArgs,
    ready: (tree) => PLUGINS.every((p) => findNode(tree, `${p}@1`)?.status === 'running'),
  });
  const nc = rosey.nc;
  const platform = await benchPlatform(nc);
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const responder = fork(RESPONDER, [rosey.natsUrl, rosey.user ?? '', rosey.pass ?? '', 'bench.raw'], {
    stdio: 'inherit',
  });
  await new Promise((r) => responder.once('message', r));
  const raw = () =>
    nc.request('bench.raw', encodeJson({ command: 'roll', args: ['2d6'] }), { timeout: 5000 });
  try {
    // Every plugin answers once (the router routes them all), then the processes settle.
    for (const probe of PROBES) {
      for (;;) {
        const text = await platform.send(probe.line);
        if (probe.answer.test(text)) break;
        await sleep(50);
      }
    }
    // Idle means the migrator has closed its database thread too, as it does once startup's
    // migrations are done and nothing has asked for one for MIGRATOR_THREAD_IDLE_MS.
    const migratorIdle = now();
    for (;;) {
      const thread = findNode(await treeOf(nc), 'migrator')?.info?.thread;
      if (thread === 'none') break;
      if (now() - migratorIdle > MIGRATOR_THREAD_IDLE_MS + 30_000) {
        console.log(
          `  (the migrator's thread was still open after ${((now() - migratorIdle) / 1000).toFixed(0)} s)`,
        );
        break;
      }
      await sleep(500);
    }
    await sleep(3000);
    const tree = await treeOf(nc);
    const idle = footprint(rosey.process.pid!, tree);
    const floors = { node: memoryMb(bare.pid!), responder: memoryMb(responder.pid!) };
    printFootprint("Idle, the built-in plugins (the migrator's thread closed, then 3 s)", idle);
    const floor = (what: string, m: Memory) =>
      console.log(`  ${`floor: ${what}`.padEnd(42)} ${mb(m.rss)} ${mb(m.private)} ${mb(m.pss)}`);
    floor('bare Node process', floors.node);
    floor('Node + NATS client (the raw responder)', floors.responder);
    console.log();

    // ---- 3. cold rosey status -------------------------------------------------------------
    const status: number[] = [];
    for (let i = 0; i < starts; i++) status.push(await timeProcess([BIN, 'status', '-c', 'rosey.yaml'], dir));
    console.log('Cold `rosey status` (a new CLI process each time)');
    console.log(
      `  median of ${starts}                                ${median(status).toFixed(0).padStart(6)} ms  (${list(status)}; bare node ${nodeStart.toFixed(0)} ms)\n`,
    );

    // ---- 4. latency and rate --------------------------------------------------------------
    const roll = () => platform.send('!roll 2d6');
    console.log('Round trip, one at a time');
    const baseOne = await sequential('  bare NATS request/reply (baseline)', oneAtATime, raw);
    const rollOne = await sequential('  !roll 2d6 end to end', oneAtATime, roll);
    console.log(
      `  ratio: p50 ×${(rollOne.p50 / baseOne.p50).toFixed(1)}, p95 ×${(rollOne.p95 / baseOne.p95).toFixed(1)}, p99 ×${(rollOne.p99 / baseOne.p99).toFixed(1)}\n`,
    );
    console.log(`With ${SENDERS} senders`);
    await senders('  warm-up: !roll 2d6', 5000, SENDERS, roll);
    const base = await senders('  bare NATS request/reply (baseline)', rollTotal, SENDERS, raw);
    // Every process, not only the command's: the plugins that hear the channel (chat-stats,
    // trivia) take each `!roll` line too, on the same two cores.
    const pids = { ...processes(rosey.process.pid!, tree), 'load generator': process.pid };
    const [load, cpu] = await cpuShare(pids, () =>
      senders(`  !roll 2d6 end to end (${rollTotal} commands)`, rollTotal, SENDERS, roll),
    );
    const r = (k: 'p50' | 'p95' | 'p99') => load.latency[k] / base.latency[k];
    console.log(
      `  ratio: p50 ×${r('p50').toFixed(1)}, p95 ×${r('p95').toFixed(1)}, p99 ×${r('p99').toFixed(1)}; rate ${(load.rate / base.rate).toFixed(2)} of bare NATS`,
    );
    console.log(`  CPU meanwhile (100% = one core): ${cpu}\n`);

    // ---- 5. after load ---------------------------------------------------------------------
    const quoteLines = (i: number) => {
      switch (i % 10) {
        case 0:
          return `!quote add lean bench quote ${i} #bench -- Bencher`;
        case 1:
          return `!quote ${1 + (i % 8)}`;
        case 2:
          return '!quote search bench';
        default:
          return '!quote';
      }
    };
    const quoteBefore = memoryMb(findNode(tree, 'quote-db@1')!.info!.pid as number).rss;
    const quotes = await senders(`  quote-db mix (${quoteTotal} commands)`, quoteTotal, SENDERS, (i) =>
      platform.send(quoteLines(i), `u${i % SENDERS}`),
    );
    await sleep(3000);
    const commands = `${rollTotal + 5000 + 2 * oneAtATime} !roll and ${quoteTotal} quote-db commands`;
    const rightAfter = footprint(rosey.process.pid!, await treeOf(nc));
    console.log();
    printFootprint(`3 s after ${commands}`, rightAfter);
    // Once quiet for a whole period, every process gives back what the load left committed
    // (contract/idle-memory.ts); the targets are read then, when the load is over.
    await sleep(SETTLE_MS - 3000);
    const after = footprint(rosey.process.pid!, await treeOf(nc));
    console.log();
    printFootprint(`${SETTLE_MS / 1000} s after, quiet since`, after);
    console.log(`  (quote-db RSS before its commands: ${quoteBefore.toFixed(1)} MB)\n`);

    // ---- targets ---------------------------------------------------------------------------
    console.log('Targets (issue 16)');
    // Beside a target, what no change of Rosey's can go below on this machine and this Node: the
    // raw responder (a Node process with the NATS client), bare NATS's rate, a start's CPU per core.
    const floorRss = `Node + NATS client alone ${floors.responder.rss.toFixed(1)} MB`;
    const lines: Array<[string, string, boolean, string?]> = [
      ['main RSS idle ≤ 110 MB', `${idle.main!.rss.toFixed(1)} MB`, idle.main!.rss <= 110],
      [
        'main RSS after load ≤ 140 MB',
        `${after.main!.rss.toFixed(1)} MB`,
        after.main!.rss <= 140,
        `3 s after it ${rightAfter.main!.rss.toFixed(1)} MB`,
      ],
      ['dice RSS idle ≤ 50 MB', `${idle.dice!.rss.toFixed(1)} MB`, idle.dice!.rss <= 50, floorRss],
      [
        'magic-8ball RSS idle ≤ 50 MB',
        `${idle['magic-8ball']!.rss.toFixed(1)} MB`,
        idle['magic-8ball']!.rss <= 50,
        floorRss,
      ],
      [
        `quote-db RSS after ${quoteTotal} commands ≤ 60 MB`,
        `${after['quote-db']!.rss.toFixed(1)} MB`,
        after['quote-db']!.rss <= 60,
        `3 s after them ${rightAfter['quote-db']!.rss.toFixed(1)} MB; ${floorRss}`,
      ],
      [
        'start (same folder) ≤ 1.5 s',
        `${(median(reused) / 1000).toFixed(2)} s`,
        median(reused) <= 1500,
        `its CPU over ${cores} cores ${(cpuTotal / cores).toFixed(2)} s`,
      ],
      [
        'cold rosey status ≤ 300 ms',
        `${median(status).toFixed(0)} ms`,
        median(status) <= 300,
        `bare node ${nodeStart.toFixed(0)} ms`,
      ],
      ['p50 (100 senders) ≤ 3× bare NATS', `×${r('p50').toFixed(1)}`, r('p50') <= 3],
      ['p99 (100 senders) ≤ 2× bare NATS', `×${r('p99').toFixed(1)}`, r('p99') <= 2],
      [
        '≥ 10,000 commands/s, 100 senders',
        `${load.rate.toFixed(0)} /s`,
        load.rate >= 10_000,
        `bare NATS ${base.rate.toFixed(0)} /s`,
      ],
    ];
    for (const [what, value, met, floor] of lines)
      console.log(
        `  ${what.padEnd(44)} ${value.padStart(10)}  ${verdict(met).padEnd(7)}${floor ? `  (${floor})` : ''}`,
      );
    console.log(`  (quote-db sustained ${quotes.rate.toFixed(0)} /s with ${SENDERS} senders)`);
    console.log();
  } finally {
    bare.kill();
    responder.kill();
    await rosey.stop();
  }
}
