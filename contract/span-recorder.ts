/**
 * Spans as Rosey records them while they run, handed to OpenTelemetry's SDK in batches. Only
 * otel-tracing.ts imports this module (tracing on).
 *
 * Why not an SDK span per span as it starts: in a running Rosey or plugin process the SDK's span
 * (`startSpan`, its context, `SpanImpl`, `sanitizeAttributes`, `end`) cost 35–40 µs of CPU per span,
 * where the same calls in a loop take 5–9 µs: each command runs that code once among everything
 * else, from cold caches, in the middle of the command. Here a span is a small record while it
 * runs (its ids, so what it sends can carry its traceparent; its times; its attributes), and the
 * ended ones become SDK spans together, a batch at a time after the event-loop turn, with the times
 * they were recorded at: the SDK's code then runs in a loop, off the commands' path, and hands its
 * spans to the exporter at once, so they no longer wait in the old generation for their batch.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Tracer } from '@opentelemetry/api';
import type { IdGenerator } from '@opentelemetry/sdk-trace';
import { randomHex } from './random-hex.js';
import { parseTraceparent } from './trace-context.js';
import { ATTR, type Span, type SpanAttributes, type SpanKind as RoseySpanKind } from './tracer.js';

const KINDS: Record<RoseySpanKind, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** Every span is sampled (AlwaysOnSampler), whatever the flags of the traceparent it continues. */
const SAMPLED = '01';

/** A span while it runs and until its batch is handed to the SDK. */
export class RecordedSpan implements Span {
  readonly startedAt = performance.now();
  endedAt: number | undefined;
  failure: string | undefined;

  constructor(
    readonly name: string,
    readonly kind: RoseySpanKind,
    readonly traceId: string,
    readonly spanId: string,
    /** The parent's span id; undefined for the root of a trace. */
    readonly parentSpanId: string | undefined,
    /** The parent is in another process (a bus message's traceparent), not a span of this one. */
    readonly remoteParent: boolean,
    readonly attributes: SpanAttributes,
    private readonly onEnd: (span: RecordedSpan) => void,
  ) {}

  get traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-${SAMPLED}`;
  }

  setAttribute(key: string, value: string | number | boolean): void {
    this.attributes[key] = value;
  }

  fail(code: string, message: string): void {
    this.attributes[ATTR.errorType] = code;
    this.failure = message;
  }

  end(): void {
    if (this.endedAt !== undefined) return;
    this.endedAt = performance.now();
    this.onEnd(this);
  }
}

/**
 * The ids the SDK gives the next span it starts: the recorded span's own, which messages sent
 * within it already carried. (The SDK asks for a trace id only for a span without a parent.)
 */
export class RecordedIds implements IdGenerator {
  traceId = '';
  spanId = '';
  generateTraceId = (): string => this.traceId;
  generateSpanId = (): string => this.spanId;
}

export interface SpanRecorderOptions {
  /** How long an ended span waits at most before it is handed to the SDK (ms). */
  delayMs: number;
  /** Ended spans that are handed over at once, after the current turn. */
  batchSize: number;
  /** Ended spans held at most (the SDK's side has its own limit); more are dropped and counted. */
  queueLimit: number;
  /** Told how many spans were dropped. */
  dropped: (spans: number) => void;
}

/** Starts recorded spans and hands the ended ones to `tracer` (whose ids come from `ids`) in batches. */
export class SpanRecorder {
  private ended: RecordedSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly ids: RecordedIds,
    private readonly options: SpanRecorderOptions,
  ) {}

  /** A span whose parent is `parent` (a traceparent) or else `active` (a span of this process). */
  start(
    name: string,
    kind: RoseySpanKind,
    attributes: SpanAttributes | undefined,
    parent: string | undefined,
    active: RecordedSpan | undefined,
  ): RecordedSpan {
    const remote = parent !== undefined ? parseTraceparent(parent) : undefined;
    const from = remote ?? active;
    return new RecordedSpan(
      name,
      kind,
      from?.traceId ?? randomHex(16),
      randomHex(8),
      from?.spanId,
      remote !== undefined,
      // The callers' attributes are fresh objects (messagingAttributes): kept, not copied.
      attributes ?? {},
      this.spanEnded,
    );
  }

  /** Hands every ended span to the SDK now (before its exporter is flushed at shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const spans = this.ended;
    this.ended = [];
    // Recorded on the monotonic clock; one offset to the wall clock for the whole batch keeps the
    // spans' order and durations exact (the SDK's own offset, taken per span from Date.now()'s
    // milliseconds, would shift each by up to a millisecond: a child could start before its parent).
    const toWallClock = Date.now() - performance.now();
    for (const span of spans) this.toSdk(span, toWallClock);
  }

  /** Hands over what has ended; spans ending later are not recorded. */
  stop(): void {
    this.flush();
    this.stopped = true;
  }

  private readonly spanEnded = (span: RecordedSpan): void => {
    if (this.stopped) return;
    if (this.ended.length >= this.options.queueLimit) return this.options.dropped(1);
    this.ended.push(span);
    if (this.ended.length >= this.options.batchSize) this.soon ??= setImmediate(this.handOver);
    else this.timer ??= setTimeout(this.handOver, this.options.delayMs).unref();
  };

  private readonly handOver = (): void => {
    this.soon = undefined;
    this.flush();
  };

  private toSdk(recorded: RecordedSpan, toWallClock: number): void {
    this.ids.traceId = recorded.traceId;
    this.ids.spanId = recorded.spanId;
    let parent: Context = ROOT_CONTEXT;
    if (recorded.parentSpanId !== undefined)
      parent = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: recorded.traceId,
        spanId: recorded.parentSpanId,
        traceFlags: 1,
        isRemote: recorded.remoteParent,
      });
    const span = this.tracer.startSpan(
      recorded.name,
      {
        kind: KINDS[recorded.kind],
        attributes: recorded.attributes,
        startTime: recorded.startedAt + toWallClock,
      },
      parent,
    );
    if (recorded.failure !== undefined)
      span.setStatus({ code: SpanStatusCode.ERROR, message: recorded.failure });
    span.end(recorded.endedAt! + toWallClock);
  }
}
