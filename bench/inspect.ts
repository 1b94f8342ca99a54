/**
 * The inspect suite (docs/subjects.md#inspection): the command round trip with inspection
 * compiled out (no inspect actor: `ROSEY_INSPECT=off`), with the inspect actor and nobody
 * watching, and with one watcher holding a lease and taking every `rosey.inspect.tree.>` message.
 * Two real Roseys (`rosey start`, each with its own nats-server, SQLite and dice plugin process)
 * run side by side; commands go to them in alternating blocks (off, unwatched, watched, the order
 * rotated each round), so all three see the same machine load, which on a shared machine drifts.
 * Next to the latencies, the CPU time Rosey's process and the dice process spent per command (from
 * /proc): steadier than latency on a loaded machine, and where the cost lands.
 */
import { loadavg, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from '../contract/nats.js';
import { watchReplySchema } from '../contract/messages/inspect.js';
import { request } from '../contract/request.js';
import { subjects } from '../contract/subjects.js';
import { findNode } from '../supervisors/describe-tree.js';
import { launchRosey, now, treeOf, type RoseyUnderTest } from './harness.js';
import { benchPlatform, type SuiteOptions } from './runtime.js';
import { latencyLine, summarize, type Summary } from './stats.js';

const BLOCK = 50;
const CONFIG = [
  'log:',
  '  stderrLevel: error',
  'router:',
  '  defaultCooldownMs: 0',
  '  commandTimeoutMs: 5000',
  'plugins:',
  '  disabled: [magic-8ball, countdown, trivia, quote-db, chat-stats]',
];

/** CPU milliseconds (user + system) a process has used so far. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const slower = (of: Summary, to: Summary, k: 'p50' | 'p95' | 'p99') =>
  `${k} ${((of[k] / to[k] - 1) * 100).toFixed(1)} %`;

/** A watcher like `rosey inspect --follow`, on a connection of its own: a lease and every message. */
async function watcher(rosey: RoseyUnderTest) {
  const nc: NatsConnection = await connect({
    servers: rosey.natsUrl,
    user: rosey.user,
    pass: rosey.pass,
    name: 'bench-watcher',
  });
  let received = 0;
  nc.subscribe(subjects.anyInspect, {
    callback: () => {
      received++;
    },
  });
  await nc.flush();
  const lease = async (release: boolean) => {
    const reply = await request(
      nc,
      subjects.inspectRequest('watch'),
      { watcher: 'bench', release },
      { timeoutMs: 5000, reply: watchReplySchema },
    );
    if (!reply.ok) throw new Error(`watch: ${reply.error.message}`);
  };
  return { lease, received: () => received, close: () => nc.close() };
}

export async function inspectSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  const perCondition = quick ? 400 : 3000;
  console.log(
    '== Inspect: command round trip, inspection compiled out vs nobody watching vs one watcher ==\n',
  );
  const launch = () =>
    launchRosey({
      dir: mkdtempSync(join(tmpdir(), 'rosey-bench-')),
      config: CONFIG,
      nodeArgs,
      ready: (tree) => findNode(tree, 'dice@1')?.status === 'running',
    });
  const roseys: RoseyUnderTest[] = [];
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  try {
    // The baseline runs without the inspect actor (the environment is read when its tree is built).
    process.env.ROSEY_INSPECT = 'off';
    roseys.push(await launch());
    delete process.env.ROSEY_INSPECT;
    roseys.push(await launch());
    const [offRosey, onRosey] = roseys as [RoseyUnderTest, RoseyUnderTest];
    const off = await benchPlatform(offRosey.nc);
    const on = await benchPlatform(onRosey.nc);
    const watch = await watcher(onRosey);
    const pidsOf = async (rosey: RoseyUnderTest) => ({
      main: rosey.process.pid!,
      dice: findNode(await treeOf(rosey.nc), 'dice@1')!.info!.pid as number,
    });
    const pids = { off: await pidsOf(offRosey), on: await pidsOf(onRosey) };
    console.log(`load average at the start: ${load()}`);
    const conditions = ['compiled out', 'nobody watching', 'one watcher'] as const;
    type Condition = (typeof conditions)[number];
    const samples: Record<Condition, number[]> = {
      'compiled out': [],
      'nobody watching': [],
      'one watcher': [],
    };
    const cpu: Record<Condition, { main: number; dice: number }> = {
      'compiled out': { main: 0, dice: 0 },
      'nobody watching': { main: 0, dice: 0 },
      'one watcher': { main: 0, dice: 0 },
    };
    const block = async (which: Condition, n: number, keep: boolean) => {
      const platform = which === 'compiled out' ? off : on;
      const pid = which === 'compiled out' ? pids.off : pids.on;
      if (which === 'one watcher') await watch.lease(false);
      const [main, dice] = [cpuMs(pid.main), cpuMs(pid.dice)];
      for (let i = 0; i < n; i++) {
        const t = now();
        await platform.send('!roll 2d6');
        if (keep) samples[which].push(now() - t);
      }
      if (keep) {
        cpu[which].main += cpuMs(pid.main) - main;
        cpu[which].dice += cpuMs(pid.dice) - dice;
      }
      if (which === 'one watcher') await watch.lease(true);
    };
    for (const which of conditions) await block(which, 200, false);
    for (let done = 0, turn = 0; done < perCondition; done += BLOCK, turn++) {
      for (let i = 0; i < conditions.length; i++)
        await block(conditions[(turn + i) % conditions.length]!, BLOCK, true);
    }
    const [base, unwatched, watched] = conditions.map((c) => summarize(samples[c])) as [
      Summary,
      Summary,
      Summary,
    ];
    console.log('!roll 2d6 (router → plugin)');
    console.log(latencyLine('  inspection compiled out', base));
    console.log(latencyLine('  inspect actor, nobody watching', unwatched));
    console.log(latencyLine('  inspect actor, one watcher', watched));
    console.log(
      `  nobody watching vs compiled out: ${slower(unwatched, base, 'p50')}, ${slower(unwatched, base, 'p95')}, ${slower(unwatched, base, 'p99')}`,
    );
    console.log(
      `  one watcher vs compiled out: ${slower(watched, base, 'p50')}, ${slower(watched, base, 'p95')}, ${slower(watched, base, 'p99')} (target: p50 ≤ 10 %)`,
    );
    const perCommand = (c: Condition, k: 'main' | 'dice') => (cpu[c][k] * 1000) / samples[c].length;
    console.log(
      `  CPU per command, Rosey / dice: ${conditions.map((c) => `${c} ${perCommand(c, 'main').toFixed(0)} / ${perCommand(c, 'dice').toFixed(0)} µs`).join(', ')}`,
    );
    console.log(
      `  inspect messages the watcher took: ${watch.received()} (${(watch.received() / samples['one watcher'].length).toFixed(1)} per command)`,
    );
    console.log(`load average at the end: ${load()}\n`);
    await watch.close();
  } finally {
    for (const rosey of roseys) await rosey.stop();
  }
}
