import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MODULE = new URL('../../process/main-heap.js', import.meta.url).href;
const TELEMETRY = new URL('../../app/telemetry/telemetry.machine.js', import.meta.url).href;

type Setup =
  | 'default'
  | 'tuned'
  | 'tuned, then a worker'
  | 'tuned, then a worker, restored'
  | 'tuned, then tracing started';

/**
 * A fresh Node process (the flags are global and would change the garbage collection of every later
 * test) that keeps 200,000 objects alive, like Rosey's modules and state, and allocates garbage that
 * lives long enough to be promoted, like what 100 commands in flight allocate: how many full
 * collections it took, and the size of V8's new space (MB) at the end.
 */
async function heapAfterChurn(setup: Setup): Promise<{ majors: number; newSpace: number }> {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    import { PerformanceObserver, constants } from 'node:perf_hooks';
    const heap = await import(${JSON.stringify(MODULE)});
    const setup = ${JSON.stringify(setup)};
    if (setup !== 'default') heap.keepHeapSmall();
    if (setup.includes('worker')) {
      const worker = new Worker('setTimeout(() => {}, 50)', { eval: true });
      if (setup.endsWith('restored')) worker.once('online', heap.restoreHeapFlags);
      await new Promise((resolve) => worker.once('exit', resolve));
    }
    if (setup.includes('tracing')) {
      // Rosey's telemetry child as the tree starts it: its tracing runs an export thread.
      const { createActor, createMachine } = await import('xstate');
      const { telemetryMachine } = await import(${JSON.stringify(TELEMETRY)});
      const parent = createActor(createMachine({ invoke: { id: 'telemetry', src: telemetryMachine,
        input: { url: 'http://127.0.0.1:9/v1/traces', resource: {}, asyncContext: false } } }));
      parent.start();
      const child = () => parent.getSnapshot().children.telemetry;
      for (let state = child().getSnapshot().value; state !== 'running'; state = child().getSnapshot().value) {
        if (state === 'failed') throw new Error('the telemetry child failed to start');
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    let majors = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
    }).observe({ entryTypes: ['gc'] });
    const live = Array.from({ length: 2e5 }, (_, i) => ({ i, text: 'live' + i }));
    let inFlight = [];
    for (let round = 0; round < 700; round++) {
      inFlight.push(Array.from({ length: 10000 }, (_, i) => ({ i, text: 'x' + i })));
      if (inFlight.length > 100) inFlight.shift();
      if (round % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 100));
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(JSON.stringify({ majors, newSpace: space.space_size / 1048576, live: live.length }));
    process.exit(0);
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as { majors: number; newSpace: number };
}

// Issue 16: after 100,000 commands Rosey's process held ~215 MB, ~100 MB of it dead objects in an
// old space V8 did not collect again and a 32 MB young generation (Node 24: up to 128 MB). The
// flags are set at runtime, which V8 does not document, and a worker thread's start undoes them:
// these fail if a Node upgrade changes any of it.
describe('keepHeapSmall (the heap of Rosey’s long-running process)', function () {
  this.timeout(180_000);

  it('keeps the young generation at 1 MB per semi-space and collects promoted garbage sooner, also after a worker thread started', async () => {
    const setups = [
      'default',
      'tuned',
      'tuned, then a worker',
      'tuned, then a worker, restored',
      'tuned, then tracing started',
    ] as const;
    const results = await Promise.all(
      setups.map(async (setup) => [setup, await heapAfterChurn(setup)] as const),
    );
    const r = Object.fromEntries(results) as Record<Setup, { majors: number; newSpace: number }>;
    const all = JSON.stringify(r);
    // By default the churn grows the young generation and needs few full collections: the figures
    // below say something.
    expect(r.default.newSpace, all).to.be.at.least(8);
    expect(r.tuned.newSpace, all).to.be.at.most(2);
    expect(r.tuned.majors, all).to.be.at.least(Math.max(8, 3 * r.default.majors));
    // On Node 20 a worker thread's start undoes the young generation's cap (32 MB here after the
    // churn; Node 24's V8 keeps it): restoring puts it back, whichever Node this is.
    expect(r['tuned, then a worker, restored'].newSpace, all).to.be.at.most(2);
    expect(r['tuned, then a worker, restored'].majors, all).to.be.at.least(Math.max(8, 3 * r.default.majors));
    // Tracing's export thread is such a worker: with tracing on, Rosey's process ran on V8's
    // default young generation (a bigger, slower-to-scavenge heap: tracing's p99 on storage-heavy
    // commands, issue 17) until the telemetry child restored the flags.
    // (At most one growth step, 2 MB per semi-space, may come before the thread is online: seen under
    // a loaded CI; 32 MB without the restore.)
    expect(r['tuned, then tracing started'].newSpace, all).to.be.at.most(4);
  });
});
