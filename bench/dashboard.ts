/**
 * The dashboard suite (docs/dashboard.md, issue 18): (1) one inspection message pushed to 20
 * connected pages: from the moment the inspect actor recorded it (its `at`) to each page's
 * WebSocket receiving it, per delivery and per message (the slowest of the 20); (2) the command
 * round trip with a dashboard page open (the dashboard holds a `transitions` watch lease and pushes
 * what it publishes) against nobody watching, in alternating blocks on one Rosey. Pages are Node `ws`
 * clients speaking the page's protocol, not browsers: 20 Chromium tabs would measure Chromium.
 */
import { loadavg, tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { request } from '../contract/request.js';
import { subjects } from '../contract/subjects.js';
import { findNode } from '../supervisors/describe-tree.js';
import { launchRosey, now, sleep, treeOf, type RoseyUnderTest } from './harness.js';
import { benchPlatform, type SuiteOptions } from './runtime.js';
import { latencyLine, summarize, type Summary } from './stats.js';

const CONFIG = [
  'log:',
  '  stderrLevel: error',
  'router:',
  '  defaultCooldownMs: 0',
  '  commandTimeoutMs: 5000',
  'http:',
  '  enabled: true',
  '  port: 0',
  'plugins:',
  '  disabled: [magic-8ball, countdown, trivia, quote-db]',
];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** A page's socket: every inspection message's delay from its `at`, by `seq`. */
function page(port: number, onInspect?: (seq: number, delayMs: number) => void): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/dashboard/ws`, ['rosey.dashboard.v1'], {
    origin: `http://127.0.0.1:${port}`,
  });
  ws.on('message', (data) => {
    const text = (data as Buffer).toString();
    if (!onInspect || !text.startsWith('{"type":"inspect"')) return;
    const received = Date.now();
    const { message } = JSON.parse(text) as { message: { seq: number; at: number } };
    onInspect(message.seq, received - message.at);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export async function dashboardSuite({ quick, nodeArgs }: SuiteOptions): Promise<void> {
  console.log('== Dashboard: one message to 20 pages; command round trip, a page open vs none ==\n');
  let rosey: RoseyUnderTest | undefined;
  try {
    rosey = await launchRosey({
      dir: mkdtempSync(join(tmpdir(), 'rosey-bench-')),
      config: CONFIG,
      nodeArgs,
      ready: (tree) =>
        findNode(tree, 'dice@1')?.status === 'running' && findNode(tree, 'http')?.info?.port !== undefined,
    });
    const port = Number(findNode(await treeOf(rosey.nc), 'http')!.info!.port);
    const platform = await benchPlatform(rosey.nc);
    console.log(`load average at the start: ${load()}`);

    // (1) Fan-out: 20 pages, commands at a steady pace so that messages do not queue behind each other.
    const deliveries: number[] = [];
    const perMessage = new Map<number, number[]>();
    const pages = await Promise.all(
      Array.from({ length: 20 }, () =>
        page(port, (seq, delay) => {
          deliveries.push(delay);
          const list = perMessage.get(seq) ?? [];
          list.push(delay);
          perMessage.set(seq, list);
        }),
      ),
    );
    // A `!roll` changes no actor's state, so the pages' own `transitions` lease would have nothing
    // pushed: an `all` lease (as `rosey inspect --follow --events` takes) makes every command's
    // snapshots reach them, and the path they take is the same.
    const lease = (watcher: string, release: boolean) =>
      request(rosey!.nc, subjects.inspectRequest('watch'), { watcher, release }, { timeoutMs: 5000 });
    await lease('bench-fan-out', false);
    await sleep(500); // the leases taken
    const commands = quick ? 100 : 500;
    for (let i = 0; i < commands; i++) {
      await platform.send('!roll 2d6');
      await sleep(20);
    }
    await sleep(500);
    await lease('bench-fan-out', true);
    for (const ws of pages) ws.close();
    const complete = [...perMessage.values()].filter((l) => l.length === 20).map((l) => Math.max(...l));
    console.log(`inspection messages pushed to 20 pages (${commands} commands, ${perMessage.size} messages)`);
    console.log(latencyLine('  each delivery (at → page)', summarize(deliveries)));
    console.log(
      latencyLine('  each message, slowest of the 20 pages', summarize(complete)) + '  (target: p95 < 50 ms)',
    );
    console.log(`  messages every page got: ${complete.length} of ${perMessage.size}`);
    await sleep(1000); // the lease given back

    // (2) Round trip: blocks with nobody watching, one page open (its `transitions` lease), and an
    // `all` lease holder taking every message on NATS (what `rosey inspect --follow` costs, and the
    // page cost before its lease asked for transitions only); the order rotates.
    const BLOCK = 50;
    const perCondition = quick ? 400 : 3000;
    const conditions = ['none', 'page', 'lease'] as const;
    type Condition = (typeof conditions)[number];
    const samples: Record<Condition, number[]> = { none: [], page: [], lease: [] };
    const watchSub = rosey.nc.subscribe(subjects.anyInspect, { callback: () => undefined });
    const block = async (which: Condition, n: number, keep: boolean) => {
      const ws = which === 'page' ? await page(port) : undefined;
      if (which === 'lease') await lease('bench', false);
      if (ws) await sleep(200);
      for (let i = 0; i < n; i++) {
        const t = now();
        await platform.send('!roll 2d6');
        if (keep) samples[which].push(now() - t);
      }
      if (which === 'lease') await lease('bench', true);
      if (ws) {
        ws.close();
        await sleep(200);
      }
    };
    for (const which of conditions) await block(which, 200, false);
    for (let done = 0, turn = 0; done < perCondition; done += BLOCK, turn++)
      for (let i = 0; i < conditions.length; i++)
        await block(conditions[(turn + i) % conditions.length]!, BLOCK, true);
    watchSub.unsubscribe();
    const [none, open, bare] = conditions.map((c) => summarize(samples[c])) as [Summary, Summary, Summary];
    const vs = (a: Summary, b: Summary, k: 'p50' | 'p95') => `${k} ${((a[k] / b[k] - 1) * 100).toFixed(1)} %`;
    console.log('!roll 2d6 (router → plugin)');
    console.log(latencyLine('  nobody watching', none));
    console.log(latencyLine('  an `all` lease holder on NATS, no page', bare));
    console.log(latencyLine('  a dashboard page open', open));
    console.log(
      `  page open vs nobody: ${vs(open, none, 'p50')}, ${vs(open, none, 'p95')} (target: p50 ≤ 10 %)`,
    );
    console.log(`  \`all\` lease holder vs nobody: ${vs(bare, none, 'p50')}, ${vs(bare, none, 'p95')}`);
    console.log(`  page open vs \`all\` lease holder: ${vs(open, bare, 'p50')}, ${vs(open, bare, 'p95')}`);
    console.log(`load average at the end: ${load()}\n`);
  } finally {
    await rosey?.stop();
  }
}
