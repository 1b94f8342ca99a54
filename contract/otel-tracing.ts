/**
 * Rosey's tracing on OpenTelemetry. Only `loadTracing` (tracing.ts) imports this module, and only
 * when tracing is on. Spans are recorded here (span-recorder.ts) and made SDK spans and sent over
 * OTLP/HTTP in a worker thread of this process (otel-export-thread.ts): the commands' thread only
 * records them and copies the ended ones to it, a chunk at a time.
 *
 * Nothing is registered globally (no global tracer provider, propagator or context manager): each
 * span's parent is given explicitly (the traceparent of the bus message that caused it) or taken
 * from this tracing's own context manager, so a tracing shut down and replaced (a restart) leaves
 * nothing behind in OpenTelemetry's globals.
 */
import { createContextKey, ROOT_CONTEXT, type ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { StackContextManager } from '@opentelemetry/sdk-trace';
import { startExportThread } from './export-thread.js';
import { RecordedSpan, SpanRecorder } from './span-recorder.js';
import type { Span, SpanOptions, Tracing, TracingOptions } from './tracer.js';

/** Where the span active here is kept in a context (this tracing's own key: nothing global). */
const ACTIVE = createContextKey('rosey active span');

/** Ended spans copied to the export thread together (a few microseconds for a chunk). */
const CHUNK = 32;
/** How long fewer than a chunk wait at most before they are copied (ms). */
const CHUNK_DELAY_MS = 100;
const QUEUE_LIMIT = 8192;

export function startOtelTracing(options: TracingOptions): Tracing {
  // Refused here, as OpenTelemetry's exporter would at its construction, so that a start with a bad
  // endpoint fails instead of a thread failing after it.
  if (!URL.canParse(options.url)) throw new Error(`the OTLP traces URL is not a URL: ${options.url}`);
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
  );
  const recorder = new SpanRecorder({
    chunkSize: CHUNK,
    delayMs: Math.min(CHUNK_DELAY_MS, exportDelayMs),
    queueLimit: QUEUE_LIMIT,
    ship: (records) => thread.ship(records),
    dropped: (spans) => thread.dropped(spans),
  });
  // Across awaits (a plugin process, whose command awaits its storage requests) or only within
  // `run`'s synchronous call (Rosey's process: no async hooks there), per TracingOptions.asyncContext.
  const contexts: ContextManager = (
    options.asyncContext === false ? new StackContextManager() : new AsyncLocalStorageContextManager()
  ).enable();
  const active = () => {
    const span = contexts.active().getValue(ACTIVE);
    return span instanceof RecordedSpan ? span : undefined;
  };
  let closed: Promise<void> | undefined;

  return {
    start(name: string, o: SpanOptions): Span {
      return recorder.start(name, o.kind, o.attributes, o.parent, active());
    },
    run<T>(span: Span, fn: () => T): T {
      return span instanceof RecordedSpan ? contexts.with(ROOT_CONTEXT.setValue(ACTIVE, span), fn) : fn();
    },
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
      })().finally(() => contexts.disable());
      return closed;
    },
  };
}
