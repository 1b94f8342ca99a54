/**
 * The reload suite. Starts a real Rosey (`rosey start`, its own nats-server) with one plugin, `flip`,
 * whose `!v N` answers `<version>:N`, and measures:
 *   1. blue-green reloads under 1,000 commands/s: the time from the reload request to the new
 *      version serving, the whole reload (drain and grace included), and for every command sent
 *      meanwhile whether it got exactly one correct reply (failed, lost and duplicated are counted);
 *      command latency during the reloads beside the same load without a reload (the baseline);
 *   2. the RSS of the main process and the number of plugin processes over 50 back-to-back reloads.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers, type NatsConnection } from '../contract/nats.js';
import { CORRELATION_HEADER, decodeJson, encodeJson } from '../contract/envelope.js';
import { request } from '../contract/request.js';
import { subjects } from '../contract/subjects.js';
import { findNode } from '../supervisors/describe-tree.js';
import type { ReloadOutcome } from '../contract/messages/plugins.js';
import { writeFlipPlugin } from '../test/support/flip-plugin.js';
import { launchRosey, now, ratioLine, rssMb, sleep, treeOf } from './harness.js';
import type { SuiteOptions } from './runtime.js';
import { latencyLine, summarize } from './stats.js';

interface Sent {
  n: number;
  at: number;
  replies: string[];
  firstAt?: number;
}

/** Sends `!v N` at `rate` per second and records every reply per command (duplicates included). */
async function steadyLoad(nc: NatsConnection) {
  const sent = new Map<string, Sent>();
  nc.subscribe(subjects.sendChat('bench'), {
    callback: (_e, msg) => {
      const record = sent.get(msg.headers?.get(CORRELATION_HEADER) ?? '');
      if (!record) return;
      const decoded = decodeJson(msg.data);
      record.replies.push(decoded.ok ? (decoded.data as { text: string }).text : '');
      record.firstAt ??= now();
    },
  });
  await nc.flush();
  let counter = 0;
  const send = () => {
    const n = ++counter;
    const hdrs = headers();
    hdrs.set(CORRELATION_HEADER, `reload-${n}`);
    sent.set(`reload-${n}`, { n, at: now(), replies: [] });
    nc.publish(
      subjects.message,
      encodeJson({ platform: 'bench', channel: 'bench', user: `u${n % 100}`, rank: 1, text: `!v ${n}` }),
      { headers: hdrs },
    );
  };
  /** Runs `during` while sending `rate` commands a second; returns the commands sent meanwhile. */
  const run = async <T>(rate: number, during: () => Promise<T>): Promise<[T, Sent[]]> => {
    const first = counter + 1;
    const start = now();
    let due = 0;
    const timer = setInterval(() => {
      const target = Math.floor(((now() - start) / 1000) * rate);
      for (; due < target; due++) send();
    }, 5);
    try {
      const result = await during();
      return [result, [...sent.values()].filter((s) => s.n >= first)];
    } finally {
      clearInterval(timer);
    }
  };
  return { run, forget: () => sent.clear() };
}

function verdict(commands: Sent[]) {
  const good = (s: Sent) =>
    s.replies.length === 1 && s.replies[0] === `${s.replies[0]!.split(':')[0]}:${s.n}`;
  const versioned = (text: string) => /^\d+\.\d+\.\d+:\d+$/.test(text);
  return {
    sent: commands.length,
    ok: commands.filter(good).length,
    failed: commands.filter((s) => s.replies.some((r) => !versioned(r))).length,
    lost: commands.filter((s) => s.replies.length === 0).length,
    duplicated: commands.filter((s) => s.replies.length > 1).length,
  };
}

function pluginProcesses(roseyPid: number): number {
  // Plugin processes run the SDK runner; count those descended from this Rosey.
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const rows = out
    .trim()
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)!)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const family = new Set([roseyPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows)
      if (family.has(r.ppid) && !family.has(r.pid)) {
        family.add(r.pid);
        grew = true;
      }
  }
  return rows.filter((r) => family.has(r.pid) && r.args.includes('sdk/runner.js')).length;
}

export async function reloadSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  const reloads = quick ? 3 : 10;
  const leakReloads = quick ? 10 : 50;
  const rate = 1000;
  console.log('== Reload: blue-green plugin reloads ==\n');
  const dir = mkdtempSync(join(tmpdir(), 'rosey-bench-reload-'));
  writeFlipPlugin(join(dir, 'plugins'), { version: '1.0.0' });
  const rosey = await launchRosey({
    dir,
    config: [
      'log:',
      '  stderrLevel: error',
      'router:',
      '  defaultCooldownMs: 0',
      '  commandTimeoutMs: 2000',
      'plugins:',
      '  builtin: false',
      '  paths: [plugins]',
      '  reload:',
      '    graceMs: 500',
    ],
    nodeArgs,
    ready: (tree) => findNode(tree, 'flip@1')?.status === 'running',
  });
  const nc = rosey.nc;
  const load = await steadyLoad(nc);
  let version = 0;
  const reload = async () => {
    version += 1;
    writeFlipPlugin(join(dir, 'plugins'), { version: `1.0.${version}` });
    const t = now();
    const r = await request(nc, subjects.pluginControl('reload'), { plugin: 'flip' }, { timeoutMs: 120_000 });
    if (!r.ok) throw new Error(`reload failed: ${r.error.message}`);
    return { outcome: r.data as Extract<ReloadOutcome, { ok: true }>, totalMs: now() - t };
  };
  const latencies = (commands: Sent[]) =>
    summarize(commands.filter((s) => s.firstAt !== undefined).map((s) => s.firstAt! - s.at));

  try {
    console.log(`${reloads} reloads under ${rate} commands/s`);
    const [, steady] = await load.run(rate, () => sleep(quick ? 2000 : 5000));
    await sleep(2500);
    const switched: number[] = [];
    const whole: number[] = [];
    const [, during] = await load.run(rate, async () => {
      await sleep(500);
      for (let i = 0; i < reloads; i++) {
        const { outcome, totalMs } = await reload();
        switched.push(outcome.switchedAfterMs);
        whole.push(totalMs);
        await sleep(300);
      }
    });
    await sleep(2500); // every command has the router's timeout (2 s) to get its reply
    console.log(latencyLine('  request → new version serving', summarize(switched)));
    console.log(latencyLine('  whole reload (drain + 500 ms grace)', summarize(whole)));
    const v = verdict(during);
    console.log(`  commands sent during the reloads           ${v.sent}`);
    console.log(`  answered once, correctly                   ${v.ok}`);
    console.log(`  failed (error reply)                       ${v.failed}`);
    console.log(`  lost (no reply)                            ${v.lost}`);
    console.log(`  duplicated (more than one reply)           ${v.duplicated}`);
    const base = latencies(steady);
    const reloading = latencies(during);
    console.log(latencyLine(`  command latency, ${rate}/s, no reload (baseline)`, base));
    console.log(latencyLine(`  command latency, ${rate}/s, while reloading`, reloading));
    console.log(`${ratioLine(reloading, base)}\n`);
    load.forget();

    console.log(`${leakReloads} reloads back to back (no load)`);
    const pid = rosey.process.pid!;
    const rssBefore = rssMb(pid);
    const procsBefore = pluginProcesses(pid);
    const marks: string[] = [];
    for (let i = 1; i <= leakReloads; i++) {
      await reload();
      if (i % Math.max(1, leakReloads / 5) === 0) marks.push(`${i}: ${rssMb(pid).toFixed(1)}`);
    }
    await sleep(1000);
    console.log(`  RSS main process before                    ${rssBefore.toFixed(1)} MB`);
    console.log(`  RSS after N reloads (MB)                   ${marks.join(', ')}`);
    console.log(`  plugin processes before / after            ${procsBefore} / ${pluginProcesses(pid)}`);
    const tree = findNode(await treeOf(nc), 'flip');
    console.log(
      `  flip's children now                        ${(tree?.children ?? []).map((c) => c.id).join(', ')}\n`,
    );
  } finally {
    await rosey.stop();
  }
}
