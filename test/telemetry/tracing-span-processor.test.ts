import { expect } from 'chai';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { exportReporter } from '../../contract/export-reporter.js';
import type { ExportProblem } from '../../contract/tracing.js';

// Loaded when this file's tests run, not when mocha loads the test files: traces.test.ts's first
// test needs a process in which no OpenTelemetry module has been loaded yet.
const otel = async () => ({
  ...(await import('@opentelemetry/core')),
  ...(await import('@opentelemetry/sdk-trace')),
  ...(await import('../../contract/queued-span-processor.js')),
});
let lib: Awaited<ReturnType<typeof otel>>;

/** An exporter that records each export and answers it only when the test says so. */
function heldExporter() {
  const { ExportResultCode } = lib;
  const exports: { spans: ReadableSpan[]; answer: (ok: boolean) => void }[] = [];
  let shutDown = false;
  const exporter: SpanExporter = {
    export(spans, done: (result: ExportResult) => void) {
      exports.push({
        spans,
        answer: (ok) =>
          done(
            ok
              ? { code: ExportResultCode.SUCCESS }
              : { code: ExportResultCode.FAILED, error: new Error('collector down') },
          ),
      });
    },
    shutdown: async () => {
      shutDown = true;
    },
  };
  return { exporter, exports, isShutDown: () => shutDown };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function setUp(options: { batchSize?: number; queueLimit?: number; delayMs?: number } = {}) {
  const held = heldExporter();
  const told: ExportProblem[] = [];
  const report = exportReporter('http://collector/v1/traces', (p) => told.push(p));
  let settled = 0;
  const processor: SpanProcessor = new lib.QueuedSpanProcessor(held.exporter, report, {
    delayMs: options.delayMs ?? 60_000,
    batchSize: options.batchSize,
    queueLimit: options.queueLimit,
    settled: (n) => (settled += n),
  });
  const provider = new lib.TracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('test');
  const spans = (n: number) => {
    for (let i = 0; i < n; i++) tracer.startSpan(`span ${i}`).end();
  };
  return { ...held, told, report, provider, spans, settled: () => settled };
}

// Named to run after traces.test.ts (mocha sorts the files).
describe('the span processor: OpenTelemetry SDK spans batched to the OTLP exporter (docs/tracing.md)', () => {
  before(async () => {
    lib = await otel();
  });

  it('hands a full batch to the exporter after the turn that filled it, not inside the span.end()', async () => {
    const t = setUp();
    t.spans(256);
    // The SDK's BatchSpanProcessor would have encoded and sent the batch inside the 256th end().
    expect(t.exports, 'nothing exported during the turn').to.have.length(0);
    await turn();
    expect(t.exports.map((e) => e.spans.length)).to.deep.equal([256]);
    t.exports[0]!.answer(true);
    await t.provider.shutdown();
  });

  it('sends one batch at a time, the next full one when the first is answered', async () => {
    const t = setUp({ batchSize: 4 });
    t.spans(10);
    await turn();
    expect(t.exports.map((e) => e.spans.length)).to.deep.equal([4]);
    t.exports[0]!.answer(true);
    await turn();
    expect(t.exports.map((e) => e.spans.length)).to.deep.equal([4, 4]);
    t.exports[1]!.answer(true);
    await turn();
    // Two spans wait for the delay (a minute here), not a full batch.
    expect(t.exports).to.have.length(2);
    const shutdown = t.provider.shutdown();
    await turn();
    expect(t.exports.map((e) => e.spans.length)).to.deep.equal([4, 4, 2]);
    t.exports[2]!.answer(true);
    await shutdown;
    expect(t.isShutDown()).to.equal(true);
  });

  it('holds at most queueLimit spans while an export is unanswered, counting those it drops', async () => {
    const t = setUp({ batchSize: 2, queueLimit: 4 });
    t.spans(2);
    await turn();
    expect(t.exports).to.have.length(1);
    t.spans(7);
    expect(t.report.counts()).to.deep.equal({ failedExports: 0, lostSpans: 3 });
    expect(t.told.filter((p) => p.message)).to.have.length(1);
    expect(t.told[0]!.message).to.include('http://collector/v1/traces');
    t.exports[0]!.answer(true);
    const shutdown = t.provider.shutdown();
    for (let i = 1; i < 3; i++) {
      await turn();
      t.exports[i]!.answer(true);
    }
    await shutdown;
    expect(t.exports.map((e) => e.spans.length)).to.deep.equal([2, 2, 2]);
  });

  it('sends what it holds on shutdown; a failed export then drops the rest and says so', async () => {
    const t = setUp({ batchSize: 2 });
    t.spans(5);
    await turn();
    t.exports[0]!.answer(true);
    const shutdown = t.provider.shutdown();
    await turn();
    expect(t.exports).to.have.length(2);
    t.exports[1]!.answer(false);
    await shutdown;
    expect(t.exports, 'nothing more tried').to.have.length(2);
    expect(t.report.counts()).to.deep.equal({ failedExports: 1, lostSpans: 3 });
    expect(t.settled(), 'sent, failed and dropped alike').to.equal(5);
    expect(t.isShutDown()).to.equal(true);
    // Spans ended after shutdown are not queued.
    t.spans(3);
    await turn();
    expect(t.exports).to.have.length(2);
  });

  // The bug this locks (stop 39's review): the delay ran out during an export, its timer was left
  // set, and no later span ever started one again: spans waited for 256 more or the shutdown.
  it('sends what waited when the delay ran out during an export as soon as that export is answered', async () => {
    const t = setUp({ batchSize: 4, delayMs: 20 });
    t.spans(4);
    await turn();
    expect(t.exports).to.have.length(1);
    t.spans(1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(t.exports, 'one export at a time').to.have.length(1);
    t.exports[0]!.answer(true);
    await turn();
    await turn();
    expect(
      t.exports.map((e) => e.spans.length),
      'at once, not after another delay',
    ).to.deep.equal([4, 1]);
    t.exports[1]!.answer(true);
    // And the delay works again for what ends later.
    t.spans(1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(t.exports.map((e) => e.spans.length)).to.deep.equal([4, 1, 1]);
    t.exports[2]!.answer(true);
    await t.provider.shutdown();
  });

  it('forceFlush sends what waits for the delay and resolves once it is answered', async () => {
    const t = setUp();
    t.spans(3);
    let flushed = false;
    const flush = t.provider.forceFlush().then(() => (flushed = true));
    await turn();
    expect(t.exports.map((e) => e.spans.length)).to.deep.equal([3]);
    expect(flushed).to.equal(false);
    t.exports[0]!.answer(true);
    await flush;
    expect(flushed).to.equal(true);
    await t.provider.shutdown();
  });
});
