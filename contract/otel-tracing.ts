/**
 * Rosey's tracing, sent with OpenTelemetry. Only `loadTracing` (tracing.ts) imports this module,
 * and only when tracing is on. Spans are recorded here (span-recorder.ts) and made OpenTelemetry
 * spans and sent over OTLP/HTTP in a worker thread of this process (otel-export-thread.ts): the
 * commands' thread records them, copies the ended ones to it a chunk at a time, and loads no
 * OpenTelemetry module itself.
 *
 * Nothing is registered globally (no tracer provider, propagator or context manager): each span's
 * parent is given explicitly (the traceparent of the bus message that caused it) or is the span
 * active in this process (active-span.ts), so a tracing shut down and replaced (a restart) leaves
 * nothing behind.
 */
import { asyncActiveSpan, syncActiveSpan } from './active-span.js';
import { startExportThread } from './export-thread.js';
import { errorMessage } from './result.js';
import { RecordedSpan, SpanRecorder } from './span-recorder.js';
import { isSampleRatio, sampledAtRatio } from './trace-sampling.js';
import type { Span, SpanOptions, Tracing, TracingOptions } from './tracer.js';

/** Ended spans copied to the export thread together (a few microseconds for a chunk). */
const CHUNK = 32;
/** How long fewer than a chunk wait at most before they are copied (ms). */
const CHUNK_DELAY_MS = 100;
const QUEUE_LIMIT = 8192;

export async function startOtelTracing(options: TracingOptions): Promise<Tracing> {
  // Refused here, as OpenTelemetry's exporter would at its construction, so that a start with a bad
  // endpoint fails instead of a thread failing after it.
  if (!URL.canParse(options.url)) throw new Error(`the OTLP traces URL is not a URL: ${options.url}`);
  const sampleRatio = options.sampleRatio ?? 1;
  if (!isSampleRatio(sampleRatio))
    throw new Error(`the trace sample ratio must be a number from 0 to 1, not ${sampleRatio}`);
  const exportDelayMs = options.exportDelayMs ?? 5000;
  const thread = startExportThread(
    {
      url: options.url,
      resource: options.resource,
      // The chunk's wait counts in the span's: it leaves at the latest exportDelayMs after it ended.
      exportDelayMs: Math.max(0, exportDelayMs - CHUNK_DELAY_MS),
      exportTimeoutMs: options.exportTimeoutMs,
    },
    options.onExportProblem,
    options.onThreadOnline,
  );
  try {
    await thread.started;
  } catch (error) {
    await thread.close();
    throw new Error(`the trace export thread did not start: ${errorMessage(error)}`);
  }
  const recorder = new SpanRecorder({
    chunkSize: CHUNK,
    delayMs: Math.min(CHUNK_DELAY_MS, exportDelayMs),
    queueLimit: QUEUE_LIMIT,
    sampleRatio,
    ship: (records) => thread.ship(records),
    dropped: (spans) => thread.dropped(spans),
  });
  // Per TracingOptions.asyncContext: across awaits (a plugin process) or within `run` only (Rosey's).
  const current =
    options.asyncContext === false ? syncActiveSpan<RecordedSpan>() : asyncActiveSpan<RecordedSpan>();
  const active = () => current.get();
  let closed: Promise<void> | undefined;

  return {
    start(name: string, o: SpanOptions): Span {
      return recorder.start(name, o.kind, o.attributes, o.parent, active());
    },
    run<T>(span: Span, fn: () => T): T {
      return span instanceof RecordedSpan ? current.run(span, fn) : fn();
    },
    recordsNewTrace: (traceId) => sampledAtRatio(traceId, sampleRatio),
    activeIds() {
      const span = active();
      return span && { trace_id: span.traceId, span_id: span.spanId };
    },
    exportFailures: () => thread.counts(),
    shutdown() {
      closed ??= (async () => {
        try {
          recorder.stop();
        } finally {
          await thread.close();
        }
      })().finally(() => current.disable());
      return closed;
    },
  };
}
