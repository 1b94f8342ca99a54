/**
 * Rosey's tracing, exported with OpenTelemetry's OTLP/HTTP exporter. Only `loadTracing`
 * (tracing.ts) imports this module, and only when tracing is on: importing it loads the exporter.
 *
 * Spans are recorded here, not by OpenTelemetry's SDK tracer: a Rosey span is all an OTLP export
 * needs (it is the exporter's `ReadableSpan`), and recording it costs an object and two clock
 * reads. The SDK's tracer made a span, a context and a sampler decision per span, and its batch
 * processor serialised a full batch inside the `end()` that filled it, in the middle of a command
 * (docs/benchmarks.md, tracing suite). Encoding, HTTP and retries stay OpenTelemetry's.
 *
 * Nothing is registered in OpenTelemetry's global state, so a tracing shut down and replaced (a
 * restart) leaves nothing behind.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Attributes, HrTime, SpanContext, SpanStatus } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult, type InstrumentationScope } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { randomHex } from './random-hex.js';
import { parseTraceparent } from './trace-context.js';
import { exportReporter } from './export-reporter.js';
import {
  ATTR,
  type Span,
  type SpanKind,
  type SpanOptions,
  type Tracing,
  type TracingOptions,
} from './tracer.js';

/** OpenTelemetry's SpanKind values (its enum, without importing @opentelemetry/api at run time). */
const KINDS: Record<SpanKind, number> = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 };
const STATUS_UNSET: SpanStatus = { code: 0 };
const STATUS_ERROR = 2;
const NONE: never[] = [];
const SCOPE: InstrumentationScope = { name: 'rosey' };
/** Spans per export request; a batch is encoded in one go, so this bounds how long that blocks. */
const BATCH = 256;
/** Spans held at most while the collector is slow or down; more are dropped (and counted). */
const QUEUE_LIMIT = 8192;

/** A clock reading (performance.now(), ms) as OpenTelemetry's [seconds, nanoseconds] since the epoch. */
function hrTime(ms: number): HrTime {
  const epochMs = performance.timeOrigin + ms;
  const seconds = Math.floor(epochMs / 1000);
  return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)];
}

/** A span while it runs, and once ended, what the exporter sends. */
class RecordedSpan implements Span, ReadableSpan {
  readonly traceparent: string;
  readonly kind: number;
  readonly attributes: Attributes;
  readonly parentSpanContext: SpanContext | undefined;
  status = STATUS_UNSET;
  private readonly startMs = performance.now();
  private endMs = -1;

  constructor(
    private readonly recorder: Recorder,
    readonly name: string,
    options: SpanOptions,
    readonly traceId: string,
    readonly spanId: string,
    parentSpanId: string | undefined,
    isRemote: boolean,
  ) {
    this.kind = KINDS[options.kind];
    // The caller's object is this span's from now on (callers build one per span).
    this.attributes = options.attributes ?? {};
    this.parentSpanContext =
      parentSpanId === undefined ? undefined : { traceId, spanId: parentSpanId, traceFlags: 1, isRemote };
    this.traceparent = `00-${traceId}-${spanId}-01`;
  }

  setAttribute(key: string, value: string | number | boolean): void {
    this.attributes[key] = value;
  }

  fail(code: string, message: string): void {
    this.attributes[ATTR.errorType] = code;
    this.status = { code: STATUS_ERROR, message };
  }

  end(): void {
    if (this.endMs >= 0) return;
    this.endMs = performance.now();
    this.recorder.ended(this);
  }

  // What the exporter reads, computed only when the span is sent.
  spanContext(): SpanContext {
    return { traceId: this.traceId, spanId: this.spanId, traceFlags: 1 };
  }
  get startTime(): HrTime {
    return hrTime(this.startMs);
  }
  get endTime(): HrTime {
    return hrTime(this.endMs);
  }
  get duration(): HrTime {
    const ns = Math.round((this.endMs - this.startMs) * 1e6);
    return [Math.floor(ns / 1e9), ns % 1e9];
  }
  get ended(): boolean {
    return this.endMs >= 0;
  }
  get resource(): Resource {
    return this.recorder.resource;
  }
  // The same for every span: on the prototype, not in each span's fields.
  get instrumentationScope(): InstrumentationScope {
    return SCOPE;
  }
  get links(): never[] {
    return NONE;
  }
  get events(): never[] {
    return NONE;
  }
  get droppedAttributesCount(): number {
    return 0;
  }
  get droppedEventsCount(): number {
    return 0;
  }
  get droppedLinksCount(): number {
    return 0;
  }
}

/** Where ended spans wait for their batch. */
interface Recorder {
  readonly resource: Resource;
  ended(span: RecordedSpan): void;
}

export function startOtelTracing(options: TracingOptions): Tracing {
  const exporter = new OTLPTraceExporter({ url: options.url, timeoutMillis: options.exportTimeoutMs });
  const report = exportReporter(options.url, options.onExportProblem);
  const delayMs = options.exportDelayMs ?? 5000;
  let queue: RecordedSpan[] = [];
  let sending = false;
  let timer: NodeJS.Timeout | undefined;
  let soon: NodeJS.Immediate | undefined;
  let closed: Promise<void> | undefined;
  let stopping = false;
  let idle: (() => void) | undefined;

  /** Sends one batch; when it is answered, the next if a full one waits. */
  const send = () => {
    soon = undefined;
    if (sending || queue.length === 0) return;
    clearTimeout(timer);
    timer = undefined;
    const batch = queue.length <= BATCH ? queue : queue.slice(0, BATCH);
    queue = queue.length <= BATCH ? [] : queue.slice(BATCH);
    sending = true;
    exporter.export(batch, (result: ExportResult) => {
      sending = false;
      const ok = result.code === ExportResultCode.SUCCESS;
      if (ok) report.sent();
      else report.failed(batch.length, result.error);
      if (stopping && !ok && queue.length > 0) {
        // Stopping, and the collector does not answer: the rest is not waited for either.
        report.dropped(queue.length);
        queue = [];
      }
      if (queue.length >= BATCH || (stopping && queue.length > 0)) soon ??= setImmediate(send);
      else if (queue.length > 0) schedule();
      else idle?.();
    });
  };
  const schedule = () => {
    timer ??= setTimeout(send, delayMs).unref();
  };
  const recorder: Recorder = {
    resource: resourceFromAttributes(options.resource),
    ended(span) {
      if (stopping) return;
      if (queue.length >= QUEUE_LIMIT) return report.dropped(1);
      queue.push(span);
      // A full batch leaves after the current event-loop turn, not inside the end() that filled it.
      if (queue.length >= BATCH) soon ??= setImmediate(send);
      else schedule();
    },
  };

  // The span things happen in: across awaits (a plugin process, whose command awaits its storage
  // requests) or only within `run`'s synchronous call (Rosey's process: no async hooks there).
  const store = options.asyncContext === false ? undefined : new AsyncLocalStorage<RecordedSpan>();
  let current: RecordedSpan | undefined;
  const active = () => (store ? store.getStore() : current);

  return {
    start(name: string, o: SpanOptions): Span {
      if (o.parent !== undefined) {
        const remote = parseTraceparent(o.parent);
        if (remote)
          return new RecordedSpan(recorder, name, o, remote.traceId, randomHex(8), remote.spanId, true);
      } else {
        const local = active();
        if (local)
          return new RecordedSpan(recorder, name, o, local.traceId, randomHex(8), local.spanId, false);
      }
      return new RecordedSpan(recorder, name, o, randomHex(16), randomHex(8), undefined, false);
    },
    run<T>(span: Span, fn: () => T): T {
      if (!(span instanceof RecordedSpan)) return fn();
      if (store) return store.run(span, fn);
      const outer = current;
      current = span;
      try {
        return fn();
      } finally {
        current = outer;
      }
    },
    activeIds() {
      const span = active();
      return span && { trace_id: span.traceId, span_id: span.spanId };
    },
    exportFailures: () => report.counts(),
    shutdown() {
      stopping = true;
      closed ??= (async () => {
        clearTimeout(timer);
        if (sending || queue.length > 0) {
          await new Promise<void>((resolve) => {
            idle = resolve;
            if (!sending) send();
          });
        }
        report.close();
        store?.disable();
        await exporter.shutdown();
      })();
      return closed;
    },
  };
}
