import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { ExportThreadOptions } from '../../contract/export-thread-messages.js';
import { startExportThread } from '../../contract/export-thread.js';
import type { SpanRecord } from '../../contract/span-recorder.js';
import { loadTracing, tracesUrl, type ExportProblem } from '../../contract/tracing.js';
import { eventually } from '../support/nats.js';
import { startOtlpReceiver } from './otlp-receiver.js';

/** This process's threads at the lowest priority (nice 19): the export thread, while it runs. */
function niceThreads(): number[] {
  const tids: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      // Fields after the command's closing parenthesis; nice is the 19th field of the line.
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (fields[16] === '19') tids.push(Number(tid));
    } catch {
      // The thread ended while the folder was read.
    }
  }
  return tids;
}

// Named to run after traces.test.ts (mocha sorts the files), whose first test needs a process in
// which no OpenTelemetry module has been loaded yet.
describe('the trace export thread (docs/tracing.md#the-export-thread)', function () {
  this.timeout(30_000);

  it('runs at the lowest priority, sends what waits at shutdown, and is gone after it', async () => {
    const receiver = await startOtlpReceiver();
    try {
      expect(niceThreads(), 'before').to.deep.equal([]);
      const t = await loadTracing({
        url: tracesUrl(receiver.url),
        resource: { 'service.name': 'test' },
        asyncContext: false,
      });
      try {
        await eventually(() => niceThreads().length === 1, 'the export thread at nice 19');
        for (let i = 0; i < 3; i++) t.start(`span ${i}`, { kind: 'internal' }).end();
      } finally {
        await t.shutdown();
      }
      // Three spans, fewer than a batch and within the 5 s delay: sent because of the shutdown.
      expect(receiver.spans.map((s) => s.name).sort()).to.deep.equal(['span 0', 'span 1', 'span 2']);
      expect(niceThreads(), 'after the shutdown').to.deep.equal([]);
    } finally {
      await receiver.close();
    }
  });

  it('reports a thread that fails, and counts what it held and what it can no longer send', async () => {
    const told: ExportProblem[] = [];
    // workerData the thread refuses: it throws as it starts, as it would if it could not load.
    const thread = startExportThread({ url: 42 } as unknown as ExportThreadOptions, (p) => told.push(p));
    try {
      // Shipped before the thread fails: lost with it.
      thread.ship([record('early 1'), record('early 2')]);
      await eventually(() => told.some((p) => p.message !== undefined), 'the report');
      const report = told.find((p) => p.message !== undefined)!;
      expect(report.message).to.match(/^the trace export thread failed: .*spans are no longer sent$/);
      expect(report).to.include({ failing: true, lostSpans: 2 });
      thread.ship([record('late')]);
      thread.dropped(4);
      expect(thread.counts()).to.deep.equal({ failedExports: 0, lostSpans: 7 });
    } finally {
      await thread.close();
    }
  });

  it('refuses to start with a traces URL that is not one', async () => {
    let failure: unknown;
    await loadTracing({ url: 'not a url', resource: {} }).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.include('the OTLP traces URL is not a URL: not a url');
    expect(niceThreads(), 'no thread started').to.deep.equal([]);
  });

  // The bugs this locks (stop 39's review): a 'message' listener added after unref() refs the
  // thread again, so a process whose tracing was never shut down never exited once the thread had
  // told it something; and the thread inherited the process's flags, some of which (`--input-type`)
  // a worker refuses, so it failed at once.
  it('never keeps a process alive, whatever flags the process runs with', () => {
    const tracingModule = new URL('../../contract/tracing.js', import.meta.url).href;
    const script = `
      const { loadTracing } = await import(${JSON.stringify(tracingModule)});
      const problems = [];
      const t = await loadTracing({
        url: 'http://127.0.0.1:9/v1/traces',
        resource: {},
        exportTimeoutMs: 200,
        onExportProblem: (p) => problems.push(p),
      });
      for (let i = 0; i < 300; i++) t.start('left behind', { kind: 'internal' }).end();
      // Long enough for the thread to try a batch and tell of it; then nothing holds the process.
      setTimeout(() => console.log(JSON.stringify(problems.map((p) => p.message ?? ''))), 1500);
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 20_000,
      encoding: 'utf8',
    });
    expect(run.signal, 'killed by the timeout: still running').to.equal(null);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout, 'the thread ran and reported the refused export').to.include('cannot send spans to');
  });
});

/** A plain record of an ended span, as the recorder ships it. */
function record(name: string): SpanRecord {
  return {
    name,
    kind: 'internal',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: undefined,
    remoteParent: false,
    attributes: {},
    startTime: Date.now(),
    endTime: Date.now(),
    failure: undefined,
  };
}
