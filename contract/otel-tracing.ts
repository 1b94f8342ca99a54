/**
 * Rosey's tracing on OpenTelemetry's SDK. Only `loadTracing` (tracing.ts) imports this module, and
 * only when tracing is on: importing it loads the SDK and its OTLP/HTTP exporter.
 *
 * Nothing is registered globally (no global tracer provider, propagator or context manager): each
 * span's parent is given explicitly (the traceparent of the bus message that caused it) or taken
 * from this tracing's own context manager, so a tracing shut down and replaced (a restart) leaves
 * nothing behind in OpenTelemetry's globals.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type ContextManager,
  type Span as OtelSpan,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import { exportReporter } from './export-reporter.js';
import { QueuedSpanProcessor } from './queued-span-processor.js';
import { parseTraceparent } from './trace-context.js';
import {
  ATTR,
  type Span,
  type SpanKind as RoseySpanKind,
  type SpanOptions,
  type Tracing,
  type TracingOptions,
} from './tracer.js';

const KINDS: Record<RoseySpanKind, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** The OpenTelemetry span behind a Rosey span, and the context it was started in. */
class RoseySpan implements Span {
  readonly traceId: string;
  readonly spanId: string;
  private readonly flags: number;

  constructor(
    readonly span: OtelSpan,
    private readonly parent: Context,
  ) {
    const ctx = span.spanContext();
    this.traceId = ctx.traceId;
    this.spanId = ctx.spanId;
    this.flags = ctx.traceFlags;
  }

  // Read only when a message is sent within the span (not every span sends one).
  get traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-${this.flags.toString(16).padStart(2, '0')}`;
  }

  /** The context in which this span is the active one (made only when something runs in it). */
  context(): Context {
    return trace.setSpan(this.parent, this.span);
  }

  setAttribute(key: string, value: string | number | boolean): void {
    this.span.setAttribute(key, value);
  }

  fail(code: string, message: string): void {
    this.span.setAttribute(ATTR.errorType, code);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(): void {
    this.span.end();
  }
}

/** A traceparent as the context of a remote parent span. */
function remoteParent(traceparent: string): Context | undefined {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: Number.parseInt(parsed.flags, 16),
    isRemote: true,
  });
}

export function startOtelTracing(options: TracingOptions): Tracing {
  const report = exportReporter(options.url, options.onExportProblem);
  const provider = new TracerProvider({
    resource: resourceFromAttributes(options.resource),
    // Every span is recorded and exported, whatever the flags of the traceparent it continues.
    sampler: new AlwaysOnSampler(),
    spanProcessors: [
      new QueuedSpanProcessor(
        new OTLPTraceExporter({ url: options.url, timeoutMillis: options.exportTimeoutMs }),
        report,
        { delayMs: options.exportDelayMs ?? 5000 },
      ),
    ],
  });
  const tracer: Tracer = provider.getTracer('rosey');
  // Across awaits (a plugin process, whose command awaits its storage requests) or only within
  // `run`'s synchronous call (Rosey's process: no async hooks there), per TracingOptions.asyncContext.
  const contexts: ContextManager = (
    options.asyncContext === false ? new StackContextManager() : new AsyncLocalStorageContextManager()
  ).enable();
  let closed: Promise<void> | undefined;

  return {
    start(name: string, o: SpanOptions): Span {
      const parent = (o.parent !== undefined ? remoteParent(o.parent) : undefined) ?? contexts.active();
      const span = tracer.startSpan(name, { kind: KINDS[o.kind], attributes: o.attributes }, parent);
      return new RoseySpan(span, parent);
    },
    run<T>(span: Span, fn: () => T): T {
      return span instanceof RoseySpan ? contexts.with(span.context(), fn) : fn();
    },
    activeIds() {
      const span = trace.getSpan(contexts.active());
      if (!span) return undefined;
      const ctx = span.spanContext();
      return { trace_id: ctx.traceId, span_id: ctx.spanId };
    },
    exportFailures: () => report.counts(),
    shutdown() {
      closed ??= provider.shutdown().finally(() => contexts.disable());
      return closed;
    },
  };
}
