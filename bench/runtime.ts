/**
 * The runtime suite. Starts a real Rosey (`rosey start`, its own nats-server, the built-in plugins
 * that are on by default, each in its own process; the commands are dice's) and measures, next to a
 * bare NATS request/reply on the same server:
 *   1. command round trip: chat line → router → plugin process → reply, one at a time;
 *   2. sustained commands/s with many in flight;
 *   3. kill -9 of the plugin process under steady load: time until it answers again, and what the
 *      commands sent meanwhile got back (every one must get a reply; none may be lost);
 *   4. startup to ready, and the RSS of the main process and of one plugin process.
 */
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { headers, type Msg, type NatsConnection } from '../contract/nats.js';
import { CORRELATION_HEADER, decodeJson, encodeJson } from '../contract/envelope.js';
import { subjects } from '../contract/subjects.js';
import { findNode } from '../supervisors/describe-tree.js';
import {
  cpuShare,
  launchRosey,
  now,
  ratioLine,
  rssMb,
  sequential,
  sleep,
  throughput,
  treeOf,
} from './harness.js';

const RESPONDER = fileURLToPath(new URL('./responder.js', import.meta.url));

export interface SuiteOptions {
  quick: boolean;
  /** Extra node flags for the Rosey process (profiling). */
  nodeArgs: string[];
}

/** Plays the "bench" chat platform: sends command lines, matches replies by correlation id. */
export async function benchPlatform(nc: NatsConnection) {
  const waiting = new Map<string, (text: string) => void>();
  const callback = (_e: unknown, msg: Msg) => {
    const id = msg.headers?.get(CORRELATION_HEADER);
    const resolve = id ? waiting.get(id) : undefined;
    if (!resolve) return;
    waiting.delete(id!);
    const decoded = decodeJson(msg.data);
    resolve(decoded.ok ? (decoded.data as { text: string }).text : '');
  };
  // Private replies count too: some commands (quote-db's) answer in a PM.
  nc.subscribe(subjects.sendChat('bench'), { callback });
  nc.subscribe(subjects.sendPm('bench'), { callback });
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

export async function runtimeSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  const roundTrips = quick ? 300 : 3000;
  const seconds = quick ? 2 : 8;
  console.log('== Runtime: commands through the supervision tree ==\n');
  const rosey = await launchRosey({
    dir: mkdtempSync(join(tmpdir(), 'rosey-bench-')),
    config: ['log:', '  stderrLevel: error', 'router:', '  defaultCooldownMs: 0', '  commandTimeoutMs: 2000'],
    nodeArgs,
    // Startup to ready: process spawn → the root supervisor reports every child started.
    ready: (tree) => findNode(tree, 'dice@1')?.status === 'running',
  });
  const nc = rosey.nc;
  const platform = await benchPlatform(nc);
  const responder = fork(RESPONDER, [rosey.natsUrl, rosey.user ?? '', rosey.pass ?? '', 'bench.raw'], {
    stdio: 'inherit',
  });
  await new Promise((r) => responder.once('message', r));
  const raw = () =>
    nc.request('bench.raw', encodeJson({ command: 'roll', args: ['2d6'] }), { timeout: 2000 });

  try {
    console.log('Round trip, one at a time');
    const base = await sequential('  bare NATS request/reply (baseline)', roundTrips, raw);
    const roll = await sequential('  !roll 2d6: chat → router → plugin → reply', roundTrips, () =>
      platform.send('!roll 2d6'),
    );
    console.log(`${ratioLine(roll, base)}\n`);

    console.log('Sustained rate');
    const tree = await treeOf(nc);
    const pids = {
      rosey: rosey.process.pid!,
      plugin: findNode(tree, 'dice@1')!.info!.pid as number,
      'nats-server': findNode(tree, 'nats-server')!.info!.pid as number,
      'load generator': process.pid,
    };
    const baseRate = await throughput('  bare NATS request/reply (baseline)', seconds, raw);
    const [rollRate, cpu] = await cpuShare(pids, () =>
      throughput('  !roll 2d6 commands', seconds, () => platform.send('!roll 2d6')),
    );
    console.log(`  ratio to baseline: ×${(baseRate / rollRate).toFixed(1)} fewer per second`);
    console.log(`  CPU while sustaining commands (100% = one core): ${cpu}\n`);

    console.log('kill -9 of the plugin process under steady load (500 commands/s)');
    const before = findNode(await treeOf(nc), 'dice@1')!;
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
    const after = findNode(await treeOf(nc), 'dice@1')!;
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
    console.log(`  startup to ready (spawn → all children up) ${rosey.startupMs.toFixed(0)} ms`);
    console.log(`  RSS main process                           ${rssMb(rosey.process.pid!).toFixed(1)} MB`);
    console.log(
      `  RSS dice plugin process                    ${rssMb(after.info!.pid as number).toFixed(1)} MB`,
    );
  } finally {
    responder.kill();
    await rosey.stop();
  }
}
