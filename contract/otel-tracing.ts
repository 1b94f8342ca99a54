/**
 * Rosey's tracing on OpenTelemetry's SDK. Only `loadTracing` (tracing.ts) imports this module, and
 * only when tracing is on: importing it loads the SDK and its OTLP/HTTP exporter.
 *
 * Nothing is registered globally (no global tracer provider, propagator or context manager): each
 * span's parent is given explicitly (the traceparent of the bus message that caused it) or taken
 * from this tracing's own context manager, so a tracing shut down and replaced (a restart) leaves
 * nothing behind in OpenTelemetry's globals.
 */
import { createContextKey, ROOT_CONTEXT, type ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import { exportReporter } from './export-reporter.js';
import { QueuedSpanProcessor } from './queued-span-processor.js';
import { RecordedIds, RecordedSpan, SpanRecorder } from './span-recorder.js';
import type { Span, SpanOptions, Tracing, TracingOptions } from './tracer.js';

/** Where the span active here is kept in a context (this tracing's own key: nothing global). */
const ACTIVE = createContextKey('rosey active span');

const BATCH = 256;
const QUEUE_LIMIT = 8192;

export function startOtelTracing(options: TracingOptions): Tracing {
  const report = exportReporter(options.url, options.onExportProblem);
  const ids = new RecordedIds();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(options.resource),
    // Every span is recorded and exported, whatever the flags of the traceparent it continues.
    sampler: new AlwaysOnSampler(),
    // The ids each span was recorded with (span-recorder.ts): SDK spans are made when they end.
    idGenerator: ids,
    spanProcessors: [
      // The recorder does the waiting: what it hands over is sent as soon as the exporter is free.
      new QueuedSpanProcessor(
        new OTLPTraceExporter({ url: options.url, timeoutMillis: options.exportTimeoutMs }),
        report,
        { delayMs: 0, batchSize: BATCH, queueLimit: QUEUE_LIMIT },
      ),
    ],
  });
  const recorder = new SpanRecorder(provider.getTracer('rosey'), ids, {
    delayMs: options.exportDelayMs ?? 5000,
    batchSize: BATCH,
    queueLimit: QUEUE_LIMIT,
    dropped: (spans) => report.dropped(spans),
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
    exportFailures: () => report.counts(),
    shutdown() {
      closed ??= (async () => {
        recorder.stop();
        await provider.shutdown();
      })().finally(() => contexts.disable());
      return closed;
    },
  };
}
