import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import type { ExportThreadOptions } from '../../contract/export-thread-messages.js';
import { startExportThread } from '../../contract/export-thread.js';
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

  it('reports a thread that fails, and counts what it can no longer send', async () => {
    const told: ExportProblem[] = [];
    // workerData the thread refuses: it throws as it starts, as it would if it could not load.
    const thread = startExportThread({ url: 42 } as unknown as ExportThreadOptions, (p) => told.push(p));
    try {
      await eventually(() => told.some((p) => p.message !== undefined), 'the report');
      expect(told[0]!.message).to.match(/^the trace export thread failed: .*spans are no longer sent$/);
      expect(told[0]!.failing).to.equal(true);
      thread.ship([]);
      thread.dropped(4);
      expect(thread.counts()).to.deep.equal({ failedExports: 0, lostSpans: 4 });
    } finally {
      await thread.close();
    }
  });
});
