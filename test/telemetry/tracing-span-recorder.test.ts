import { expect } from 'chai';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { SpanRecord } from '../../contract/span-recorder.js';

// Loaded when this file's tests run, not when mocha loads the test files: traces.test.ts's first
// test needs a process in which no OpenTelemetry module has been loaded yet.
const otel = async () => ({
  ...(await import('@opentelemetry/api')),
  ...(await import('@opentelemetry/core')),
  ...(await import('@opentelemetry/resources')),
  ...(await import('../../contract/span-recorder.js')),
  ...(await import('../../contract/sdk-spans.js')),
  ...(await import('../../contract/trace-sampling.js')),
});
let lib: Awaited<ReturnType<typeof otel>>;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const REMOTE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** The recorder shipping to this thread, its records made SDK spans as the export thread makes them. */
function setUp(
  options: { chunkSize?: number; queueLimit?: number; delayMs?: number; sampleRatio?: number } = {},
) {
  const made: ReadableSpan[] = [];
  const resource = lib.resourceFromAttributes({ 'service.name': 'test' });
  let dropped = 0;
  const shipped: SpanRecord[][] = [];
  const recorder = new lib.SpanRecorder({
    chunkSize: options.chunkSize ?? 256,
    delayMs: options.delayMs ?? 60_000,
    queueLimit: options.queueLimit ?? 8192,
    sampleRatio: options.sampleRatio ?? 1,
    ship: (records) => {
      // As postMessage copies them: a record that cannot be copied fails here.
      const copied = structuredClone(records);
      shipped.push(copied);
      made.push(...lib.toReadableSpans(copied, resource, { name: 'rosey' }));
    },
    dropped: (n: number) => (dropped += n),
  });
  const exported = () => made;
  const byName = (name: string): ReadableSpan => {
    const span = exported().find((s) => s.name === name);
    expect(span, name).to.exist;
    return span!;
  };
  return { recorder, exported, byName, shipped, dropped: () => dropped };
}

// Named to run after traces.test.ts (mocha sorts the files).
describe('the span recorder: spans recorded while they run, shipped as records in chunks and made SDK spans (docs/tracing.md)', () => {
  before(async () => {
    lib = await otel();
  });

  it('ships nothing during the command: a full chunk leaves after the turn that ended it', async () => {
    const t = setUp({ chunkSize: 3 });
    for (let i = 0; i < 3; i++)
      t.recorder.start(`span ${i}`, 'internal', undefined, undefined, undefined).end();
    expect(t.exported(), 'nothing made inside the end() calls').to.have.length(0);
    await turn();
    expect(t.exported().map((s) => s.name)).to.deep.equal(['span 0', 'span 1', 'span 2']);
  });

  it("gives the SDK span the recorded span's ids, parent, kind, attributes, status and times", async () => {
    const t = setUp();
    const command = t.recorder.start(
      'process command',
      'server',
      { 'rosey.plugin': 'dice' },
      REMOTE,
      undefined,
    );
    const storage = t.recorder.start('send storage', 'client', undefined, undefined, command);
    storage.setAttribute('rosey.command', 'roll');
    storage.fail('TIMEOUT', 'no answer');
    storage.end();
    command.end();
    const root = t.recorder.start('receive chat', 'consumer', undefined, undefined, undefined);
    root.end();
    // What messages sent within them carried: the ids the trace is joined by.
    expect(command.traceparent).to.equal(`00-0af7651916cd43dd8448eb211c80319c-${command.spanId}-01`);
    t.recorder.flush();

    const sdkCommand = t.byName('process command');
    expect(sdkCommand.spanContext()).to.include({ traceId: command.traceId, spanId: command.spanId });
    expect(sdkCommand.parentSpanContext).to.include({ spanId: 'b7ad6b7169203331', isRemote: true });
    expect(sdkCommand.kind).to.equal(lib.SpanKind.SERVER);
    expect(sdkCommand.attributes).to.deep.equal({ 'rosey.plugin': 'dice' });
    expect(sdkCommand.status.code).to.equal(lib.SpanStatusCode.UNSET);

    const sdkStorage = t.byName('send storage');
    expect(sdkStorage.spanContext()).to.include({ traceId: command.traceId, spanId: storage.spanId });
    expect(sdkStorage.parentSpanContext).to.include({ spanId: command.spanId, isRemote: false });
    expect(sdkStorage.kind).to.equal(lib.SpanKind.CLIENT);
    expect(sdkStorage.attributes).to.deep.equal({ 'rosey.command': 'roll', 'error.type': 'TIMEOUT' });
    expect(sdkStorage.status).to.deep.equal({ code: lib.SpanStatusCode.ERROR, message: 'no answer' });

    const sdkRoot = t.byName('receive chat');
    expect(sdkRoot.parentSpanContext).to.equal(undefined);
    expect(sdkRoot.spanContext()).to.include({ traceId: root.traceId, spanId: root.spanId });
    expect(root.traceId)
      .to.match(/^[0-9a-f]{32}$/)
      .and.not.equal(command.traceId);

    // The times the spans ran, not the time they were handed over (no wall-clock bound: the
    // recorded duration, as the SDK converts it).
    for (const [recorded, sdk] of [
      [command, sdkCommand],
      [storage, sdkStorage],
    ] as const) {
      const recordedMs = recorded.endedAt! - recorded.startedAt;
      expect(lib.hrTimeToMilliseconds(sdk.duration)).to.be.closeTo(recordedMs, 0.01);
    }
    expect(lib.hrTimeToMilliseconds(sdkStorage.startTime)).to.be.at.least(
      lib.hrTimeToMilliseconds(sdkCommand.startTime),
    );
  });

  it('ships fewer than a chunk after delayMs, in one chunk', async () => {
    const t = setUp({ chunkSize: 32, delayMs: 20 });
    for (let i = 0; i < 3; i++)
      t.recorder.start(`span ${i}`, 'internal', undefined, undefined, undefined).end();
    await turn();
    expect(t.shipped, 'not a full chunk: still waiting').to.have.length(0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(t.shipped.map((chunk) => chunk.map((r) => r.name))).to.deep.equal([
      ['span 0', 'span 1', 'span 2'],
    ]);
  });

  it('hands over on stop what has ended, and records nothing after', async () => {
    const t = setUp();
    t.recorder.start('before', 'internal', undefined, undefined, undefined).end();
    const late = t.recorder.start('late', 'internal', undefined, undefined, undefined);
    t.recorder.stop();
    expect(t.exported().map((s) => s.name)).to.deep.equal(['before']);
    late.end();
    await turn();
    t.recorder.flush();
    expect(t.exported()).to.have.length(1);
  });

  it('records a span once however often it is ended, and ships each chunk once', () => {
    const t = setUp();
    const span = t.recorder.start('twice', 'internal', undefined, undefined, undefined);
    span.end();
    span.end();
    t.recorder.flush();
    t.recorder.flush();
    t.recorder.start('next', 'internal', undefined, undefined, undefined).end();
    t.recorder.flush();
    expect(t.shipped.map((chunk) => chunk.map((r) => r.name))).to.deep.equal([['twice'], ['next']]);
  });

  it('gives spans wall-clock times', () => {
    const t = setUp();
    const before = Date.now();
    t.recorder.start('now', 'internal', undefined, undefined, undefined).end();
    t.recorder.flush();
    const [record] = t.shipped[0]!;
    // Date.now() and performance.now() differ in resolution: a few ms either way.
    expect(record!.startTime).to.be.within(before - 5, Date.now() + 5);
    expect(record!.endTime).to.be.at.least(record!.startTime);
  });

  it('holds at most queueLimit ended spans, counting those it drops', () => {
    const t = setUp({ queueLimit: 2 });
    for (let i = 0; i < 5; i++)
      t.recorder.start(`span ${i}`, 'internal', undefined, undefined, undefined).end();
    expect(t.dropped()).to.equal(3);
    t.recorder.flush();
    expect(t.exported()).to.have.length(2);
  });

  describe('sampling (docs/tracing.md#sampling)', () => {
    const NOT_SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

    it('records nothing of a trace whose traceparent says not sampled, and passes that on', async () => {
      const t = setUp({ chunkSize: 1 });
      const command = t.recorder.start('process command', 'server', undefined, NOT_SAMPLED, undefined);
      const storage = t.recorder.start('send storage', 'client', undefined, undefined, command);
      storage.end();
      command.end();
      await turn();
      t.recorder.flush();
      expect(t.exported(), 'no span made or shipped').to.have.length(0);
      // The trace goes on in the next process, unsampled there too.
      expect(command.traceparent).to.equal(`00-0af7651916cd43dd8448eb211c80319c-${command.spanId}-00`);
      expect(storage.traceparent).to.match(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
      expect(storage.spanId).to.not.equal(command.spanId);
    });

    it('follows a sampled traceparent whatever its own ratio: a trace started elsewhere stays whole', () => {
      const t = setUp({ sampleRatio: 0 });
      const command = t.recorder.start('process command', 'server', undefined, REMOTE, undefined);
      t.recorder.start('send storage', 'client', undefined, undefined, command).end();
      command.end();
      t.recorder.flush();
      expect(t.exported().map((s) => s.name)).to.deep.equal(['send storage', 'process command']);
      expect(command.traceparent.endsWith('-01')).to.equal(true);
    });

    it('at ratio 0 records no new trace, at 1 every one', () => {
      const none = setUp({ sampleRatio: 0 });
      const all = setUp({ sampleRatio: 1 });
      for (let i = 0; i < 50; i++) {
        none.recorder.start('receive chat', 'consumer', undefined, undefined, undefined).end();
        all.recorder.start('receive chat', 'consumer', undefined, undefined, undefined).end();
      }
      none.recorder.flush();
      all.recorder.flush();
      expect(none.exported()).to.have.length(0);
      expect(all.exported()).to.have.length(50);
    });

    it('decides a new trace from its id, the same way in every process, and children follow the root', () => {
      const a = setUp({ sampleRatio: 0.5 });
      const b = setUp({ sampleRatio: 0.5 });
      const roots = Array.from({ length: 400 }, () =>
        a.recorder.start('receive chat', 'consumer', undefined, undefined, undefined),
      );
      // Process b continues every trace (as a plugin does through the message's traceparent).
      const continued = roots.map((root) =>
        b.recorder.start('process command', 'server', undefined, root.traceparent, undefined),
      );
      for (const span of [...roots, ...continued]) span.end();
      a.recorder.flush();
      b.recorder.flush();
      const recordedA = new Set(a.exported().map((s) => s.spanContext().traceId));
      const recordedB = new Set(b.exported().map((s) => s.spanContext().traceId));
      expect([...recordedB].sort()).to.deep.equal([...recordedA].sort());
      // About half: 400 ids drawn at random land within 120 of 200 except once in ~10^30.
      expect(recordedA.size).to.be.within(80, 320);
      for (const root of roots) {
        expect(recordedA.has(root.traceId)).to.equal(root.traceparent.endsWith('-01'));
        // Process b, starting that trace itself, would have decided the same.
        expect(lib.sampledAtRatio(root.traceId, 0.5)).to.equal(recordedA.has(root.traceId));
      }
    });
  });
});
