/**
 * What a span and a tracer are to Rosey's code (contract/tracing.ts holds the process's tracer, and
 * contract/otel-tracing.ts implements it on OpenTelemetry), and the attributes its spans carry.
 */

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanAttributes = Record<string, string | number | boolean>;

export interface Span {
  /** This span as a W3C traceparent: what a message sent within it carries, so its receiver's span is its child. */
  readonly traceparent: string;
  readonly traceId: string;
  readonly spanId: string;
  setAttribute(key: string, value: string | number | boolean): void;
  /** The work failed with this error code (a Result's): the span ends with status ERROR. */
  fail(code: string, message: string): void;
  end(): void;
}

export interface SpanOptions {
  kind: SpanKind;
  /** The traceparent of what caused this span (a bus message); absent, the span active here, if any. */
  parent?: string;
  /** Kept by the span, which adds to it (setAttribute, fail): a fresh object, not one shared. */
  attributes?: SpanAttributes;
}

export interface Tracing {
  start(name: string, options: SpanOptions): Span;
  /** Runs `fn` with `span` active: spans started and lines logged inside it (awaits included) belong to it. */
  run<T>(span: Span, fn: () => T): T;
  /**
   * Whether a new trace with this id is recorded (the sample ratio, trace-sampling.ts): asked where a
   * trace starts without a span, a message that came with no traceparent or one sent afresh.
   */
  recordsNewTrace(traceId: string): boolean;
  /** The ids of the span active here, as log fields; undefined outside any span. */
  activeIds(): { trace_id: string; span_id: string } | undefined;
  /** Exports that failed and spans lost since the start (a collector down or answering errors). */
  exportFailures(): ExportFailures;
  /** Ends the exporter after sending what it still holds. */
  shutdown(): Promise<void>;
}

export interface ExportFailures {
  failedExports: number;
  lostSpans: number;
}

/** Spans were lost (or are sent again): the totals so far, and what to tell the operator if it is time. */
export interface ExportProblem extends ExportFailures {
  /** Only on the first failure, at most once a minute while failures go on, and on the recovery. */
  message?: string;
  /** Still failing (a warning); false once an export has succeeded again. */
  failing: boolean;
}

export interface TracingOptions {
  /** Where spans are sent: an OTLP/HTTP traces URL (`…/v1/traces`). */
  url: string;
  /** Resource attributes: which process the spans come from (`service.name`, …). */
  resource: SpanAttributes;
  /** How long an ended span waits at most before it is sent (ms); a full batch leaves at once. */
  exportDelayMs?: number;
  /** How long one export may take, retries included (ms; OpenTelemetry's default 10 s). */
  exportTimeoutMs?: number;
  /**
   * The share of new traces recorded and sent, 0 to 1 (default 1: all). A span with a parent, in
   * this process or (through a message's traceparent) in another, is recorded if its parent was,
   * so a trace is whole or absent (trace-sampling.ts).
   */
  sampleRatio?: number;
  /**
   * Told once the export thread runs, its heap set up: on Node 20 and 22 that resets the V8 heap
   * flags a process set at runtime, which their owner may want back (process/main-heap.ts).
   */
  onThreadOnline?: () => void;
  /** Told of every failed export or dropped span, and when sending works again (see ExportProblem.message). */
  onExportProblem?: (problem: ExportProblem) => void;
  /**
   * A span made active by `run` stays active across awaits (AsyncLocalStorage): what a plugin
   * process needs, its command awaiting storage requests made through clients the plugin may have
   * kept since its start (so the command's span cannot simply be handed to them). Without it the
   * span is active only during `run`'s synchronous call, which is all Rosey's own process asks for,
   * and it spares that process AsyncLocalStorage's hooks on every promise (Node 20 and 22; Node 24's
   * AsyncLocalStorage has none). Default true.
   */
  asyncContext?: boolean;
}

/**
 * Attribute names of the OpenTelemetry semantic conventions Rosey's spans use. The messaging ones
 * are still "incubating", which OpenTelemetry asks users to copy rather than import; copying them
 * also keeps this module free of any OpenTelemetry package.
 */
export const ATTR = {
  messagingSystem: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  conversationId: 'messaging.message.conversation_id',
  errorType: 'error.type',
  serviceName: 'service.name',
  serviceVersion: 'service.version',
  processPid: 'process.pid',
  plugin: 'rosey.plugin',
  generation: 'rosey.plugin.generation',
  command: 'rosey.command',
  platform: 'rosey.platform',
  channel: 'rosey.channel',
} as const;

/**
 * Attributes of a span around a NATS message: `send` a request, `process` one received. A fresh
 * object: callers add their own attributes to it by assignment, never as `{ ...messagingAttributes(…),
 * [key]: value }`. On Node 20 (V8 11.3) an object literal that adds properties after a spread takes a
 * slow path (3–8 µs for this one, against 0.1 µs assigned; docs/benchmarks.md#tracing-suite), which
 * every traced command paid several times over.
 */
export function messagingAttributes(
  operation: 'send' | 'process' | 'receive',
  subject: string,
  correlationId?: string,
): SpanAttributes {
  const attributes: SpanAttributes = {
    [ATTR.messagingSystem]: 'nats',
    [ATTR.operationName]: operation,
    [ATTR.operationType]: operation,
    [ATTR.destination]: subject,
  };
  if (correlationId) attributes[ATTR.conversationId] = correlationId;
  return attributes;
}
