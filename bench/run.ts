/**
 * Rosey's benchmarks (npm run bench). Starts a real Rosey (`rosey start`, its own nats-server, the
 * dice plugin in its own process) and measures, next to a bare NATS request/reply on the same server:
 *   1. command round trip: chat line → router → plugin process → reply, one at a time;
 *   2. sustained commands/s with many in flight;
 *   3. kill -9 of the plugin process under steady load: time until it answers again, and what the
 *      commands sent meanwhile got back (every one must get a reply; none may be lost);
 *   4. startup to ready, and the RSS of the main process and of one plugin process.
 * Numbers are printed; docs/benchmarks.md keeps the ones measured on the project machine.
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { CORRELATION_HEADER, decodeJson, encodeJson } from '../kernel/bus/envelope.js';
import { readRuntimeFile } from '../kernel/runtime/runtime-file.js';
import { subjects } from '../kernel/subjects.js';
import type { TreeNode } from '../supervisors/describe-tree.js';
import { latencyLine, summarize } from './stats.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const RESPONDER = fileURLToPath(new URL('./responder.js', import.meta.url));
const quick = process.argv.includes('--quick');
// --profile DIR: write a CPU profile of the Rosey process (the main one) into DIR.
const profileDir = process.argv[process.argv.indexOf('--profile') + 1];
const nodeArgs =
  process.argv.includes('--profile') && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
const ROUND_TRIPS = quick ? 300 : 3000;
const THROUGHPUT_SECONDS = quick ? 2 : 8;
const WINDOW = 128;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) / 1024;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Share of one core each process used while `work` ran. */
async function cpuShare<T>(pids: Record<string, number>, work: () => Promise<T>): Promise<[T, string]> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const t = now();
  const result = await work();
  const seconds = (now() - t) / 1000;
  const shares = Object.entries(pids)
    .map(([k, pid]) => `${k} ${((100 * (cpuSeconds(pid) - before[k]!)) / seconds).toFixed(0)}%`)
    .join(', ');
  return [result, shares];
}

function find(node: TreeNode, id: string): TreeNode | undefined {
  return node.id === id ? node : (node.children ?? []).map((c) => find(c, id)).find(Boolean);
}

async function status(nc: NatsConnection): Promise<TreeNode> {
  const msg = await nc.request(subjects.control('status'), encodeJson({}), { timeout: 5000 });
  const decoded = decodeJson(msg.data);
  if (!decoded.ok) throw new Error('bad status');
  return (decoded.data as { data: { tree: TreeNode } }).data.tree;
}

/** Plays the "bench" chat platform: sends command lines, matches replies by correlation id. */
async function benchPlatform(nc: NatsConnection) {
  const waiting = new Map<string, (text: string) => void>();
  nc.subscribe(subjects.sendChat('bench'), {
    callback: (_e, msg) => {
      const id = msg.headers?.get(CORRELATION_HEADER);
      const resolve = id ? waiting.get(id) : undefined;
      if (!resolve) return;
      waiting.delete(id!);
      const decoded = decodeJson(msg.data);
      resolve(decoded.ok ? (decoded.data as { text: string }).text : '');
    },
  });
  await nc.flush();
  let counter = 0;
  return {
    pending: () => waiting.size,
    send(text: string, user = 'bencher'): Promise<string> {
      const id = `bench-${++counter}`;
      const hdrs = headers();
      hdrs.set(CORRELATION_HEADER, id);
      const done = new Promise<string>((resolve) => waiting.set(id, resolve));
      nc.publish(subjects.message, encodeJson({ platform: 'bench', channel: 'bench', user, rank: 1, text }), {
        headers: hdrs,
      });
      return done;
    },
    forget: () => waiting.clear(),
  };
}

async function sequential(label: string, n: number, once: () => Promise<unknown>) {
  for (let i = 0; i < Math.min(200, n / 5); i++) await once(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = now();
    await once();
    samples.push(now() - t);
  }
  const s = summarize(samples);
  console.log(latencyLine(label, s));
  return s;
}

async function throughput(label: string, seconds: number, once: () => Promise<unknown>) {
  let done = 0;
  const end = now() + seconds * 1000;
  const worker = async () => {
    while (now() < end) {
      await once();
      done++;
    }
  };
  const t = now();
  await Promise.all(Array.from({ length: WINDOW }, worker));
  const rate = done / ((now() - t) / 1000);
  console.log(`${label.padEnd(44)} ${rate.toFixed(0).padStart(8)} /s  (${WINDOW} in flight, ${seconds} s)`);
  return rate;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rosey-bench-'));
  writeFileSync(
    join(dir, 'rosey.yaml'),
    [
      'dataDir: data',
      'log:',
      '  stderrLevel: error',
      'router:',
      '  defaultCooldownMs: 0',
      '  commandTimeoutMs: 2000',
    ].join('\n'),
  );
  console.log(
    `Rosey benchmarks — node ${process.version}, ${process.platform}-${process.arch}${quick ? ' (quick)' : ''}\n`,
  );

  // Startup to ready: process spawn → the root supervisor reports every child started.
  const t0 = now();
  const rosey = spawn(process.execPath, [...nodeArgs, BIN, 'start', '--config', 'rosey.yaml'], {
    cwd: dir,
    stdio: 'inherit',
  });
  let nc: NatsConnection | undefined;
  for (;;) {
    const found = readRuntimeFile(join(dir, 'data'));
    if (found.kind === 'running') {
      nc ??= await connect({ servers: found.info.natsUrl, token: found.info.natsToken, name: 'bench' });
      const tree = await status(nc).catch(() => undefined);
      if (tree?.state === 'running' && find(tree, 'dice@1')?.status === 'running') break;
    }
    if (rosey.exitCode !== null) throw new Error('rosey exited during startup');
    await sleep(5);
  }
  const startupMs = now() - t0;
  const info = readRuntimeFile(join(dir, 'data'));
  if (info.kind !== 'running') throw new Error('no runtime file');
  const { natsUrl, natsToken } = info.info;

  const platform = await benchPlatform(nc!);
  const responder = fork(RESPONDER, [natsUrl, natsToken ?? '', 'bench.raw'], { stdio: 'inherit' });
  await new Promise((r) => responder.once('message', r));
  const raw = () =>
    nc!.request('bench.raw', encodeJson({ command: 'roll', args: ['2d6'] }), { timeout: 2000 });

  try {
    console.log('Round trip, one at a time');
    const base = await sequential('  bare NATS request/reply (baseline)', ROUND_TRIPS, raw);
    const roll = await sequential('  !roll 2d6: chat → router → plugin → reply', ROUND_TRIPS, () =>
      platform.send('!roll 2d6'),
    );
    console.log(
      `  ratio to baseline: p50 ×${(roll.p50 / base.p50).toFixed(1)}, p95 ×${(roll.p95 / base.p95).toFixed(1)}, p99 ×${(roll.p99 / base.p99).toFixed(1)}\n`,
    );

    console.log('Sustained rate');
    const tree = await status(nc!);
    const pids = {
      rosey: rosey.pid!,
      plugin: find(tree, 'dice@1')!.info!.pid as number,
      'nats-server': find(tree, 'nats-server')!.info!.pid as number,
      'load generator': process.pid,
    };
    const baseRate = await throughput('  bare NATS request/reply (baseline)', THROUGHPUT_SECONDS, raw);
    const [rollRate, cpu] = await cpuShare(pids, () =>
      throughput('  !roll 2d6 commands', THROUGHPUT_SECONDS, () => platform.send('!roll 2d6')),
    );
    console.log(`  ratio to baseline: ×${(baseRate / rollRate).toFixed(1)} fewer per second`);
    console.log(`  CPU while sustaining commands (100% = one core): ${cpu}\n`);

    console.log('kill -9 of the plugin process under steady load (500 commands/s)');
    const before = find(await status(nc!), 'dice@1')!;
    const victim = before.info!.pid as number;
    const results: Array<{ sent: number; at?: number; text?: string }> = [];
    let killedAt = 0;
    const rate = 500;
    const total = rate * 4;
    const sending = (async () => {
      for (let i = 0; i < total; i++) {
        const record: { sent: number; at?: number; text?: string } = { sent: now() };
        results.push(record);
        void platform.send('!roll 2d6', `u${i % 50}`).then((text) => {
          record.at = now();
          record.text = text;
        });
        if (i === rate) {
          killedAt = now();
          process.kill(victim, 'SIGKILL');
        }
        await sleep(1000 / rate);
      }
    })();
    await sending;
    await sleep(3000); // every command sent has the router's timeout (2 s) to get its reply
    const ok = (r: { text?: string }) => r.text !== undefined && /rolled 2d6/.test(r.text);
    const afterKill = results.filter((r) => r.sent >= killedAt);
    const firstOkAfter = afterKill.filter(ok).sort((a, b) => a.at! - b.at!)[0];
    const failed = results.filter((r) => r.text !== undefined && !ok(r));
    const lost = results.filter((r) => r.text === undefined);
    const after = find(await status(nc!), 'dice@1')!;
    console.log(
      `  answering again after                      ${firstOkAfter ? (firstOkAfter.at! - killedAt).toFixed(0) : '∞'} ms`,
    );
    console.log(`  commands sent                              ${results.length}`);
    console.log(`  answered with an error reply               ${failed.length}`);
    const kinds = new Map<string, number>();
    for (const r of failed)
      kinds.set(r.text!.replace(/\d+/g, 'N'), (kinds.get(r.text!.replace(/\d+/g, 'N')) ?? 0) + 1);
    for (const [text, count] of kinds) console.log(`    ${String(count).padStart(5)} × "${text}"`);
    console.log(`  lost (no reply at all)                     ${lost.length}`);
    console.log(
      `  plugin restarts                            ${after.restarts} (pid ${victim} → ${String(after.info?.pid)})\n`,
    );
    platform.forget();

    console.log('Footprint');
    console.log(`  startup to ready (spawn → all children up) ${startupMs.toFixed(0)} ms`);
    console.log(`  RSS main process                           ${rssMb(rosey.pid!).toFixed(1)} MB`);
    console.log(
      `  RSS dice plugin process                    ${rssMb(after.info!.pid as number).toFixed(1)} MB`,
    );
  } finally {
    responder.kill();
    await nc!.close();
    rosey.kill('SIGTERM');
    await new Promise((r) => rosey.once('exit', r));
  }
}

await main();
