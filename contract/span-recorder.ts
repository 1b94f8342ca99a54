/**
 * Spans as Rosey records them while they run, shipped as plain records to the export thread
 * (otel-export-thread.ts), where they become OpenTelemetry SDK spans and are sent. Only
 * otel-tracing.ts imports this module (tracing on).
 *
 * Why not an SDK span per span as it starts: in a running Rosey or plugin process the SDK's span
 * (`startSpan`, its context, `SpanImpl`, `sanitizeAttributes`, `end`) cost 35–40 µs of CPU per span,
 * where the same calls in a loop take 5–9 µs: each command runs that code once among everything
 * else, from cold caches, in the middle of the command. Here a span is a small record while it
 * runs (its ids, so what it sends can carry its traceparent; its times; its attributes).
 *
 * Why not make the SDK spans and send them in this thread, a batch at a time after a turn (stop 38's
 * way): 256 spans took 1–2 ms to make and 2–3 ms to encode, and the command that arrived meanwhile
 * waited for it: that was tracing's p99 (issue 17). Copying a few records to another thread takes
 * microseconds.
 */
import { randomHex } from './random-hex.js';
import { parseTraceparent } from './trace-context.js';
import { flagsSampled, NOT_SAMPLED_FLAGS, SAMPLED_FLAGS, sampledAtRatio } from './trace-sampling.js';
import { ATTR, type Span, type SpanAttributes, type SpanKind } from './tracer.js';

/** A change of the monotonic-to-wall-clock offset beyond Date.now()'s resolution: the clock moved. */
const CLOCK_STEP_MS = 5;

/** An ended span as it is shipped to the export thread: plain data (structured-clone safe). */
export interface SpanRecord {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  /** The parent's span id; undefined for the root of a trace. */
  parentSpanId: string | undefined;
  /** The parent is in another process (a bus message's traceparent), not a span of this one. */
  remoteParent: boolean;
  attributes: SpanAttributes;
  /** Wall-clock times, milliseconds since the epoch (fractional). */
  startTime: number;
  endTime: number;
  /** The error's message, for a failed span. */
  failure: string | undefined;
}

/** A span while it runs and until it is shipped. */
export class RecordedSpan implements Span {
  readonly startedAt = performance.now();
  endedAt: number | undefined;
  failure: string | undefined;

  constructor(
    readonly name: string,
    readonly kind: SpanKind,
    readonly traceId: string,
    readonly spanId: string,
    readonly parentSpanId: string | undefined,
    readonly remoteParent: boolean,
    readonly attributes: SpanAttributes,
    /** Recorded and shipped; otherwise only its ids exist, for what it sends to carry (trace-sampling.ts). */
    readonly sampled: boolean,
    private readonly onEnd: (span: RecordedSpan) => void,
  ) {}

  get traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-${this.sampled ? SAMPLED_FLAGS : NOT_SAMPLED_FLAGS}`;
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
    if (this.sampled) this.onEnd(this);
  }

  /** Its record, with `toWallClock` added to its monotonic times. */
  record(toWallClock: number): SpanRecord {
    return {
      name: this.name,
      kind: this.kind,
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: this.parentSpanId,
      remoteParent: this.remoteParent,
      attributes: this.attributes,
      startTime: this.startedAt + toWallClock,
      endTime: this.endedAt! + toWallClock,
      failure: this.failure,
    };
  }
}

export interface SpanRecorderOptions {
  /** Ended spans shipped together, after the turn that ended the last of them. */
  chunkSize: number;
  /** How long fewer ended spans wait at most before they are shipped (ms). */
  delayMs: number;
  /** Ended spans held at most; more are dropped and counted. */
  queueLimit: number;
  /** The share of new traces recorded, 0 to 1 (trace-sampling.ts); spans with a parent follow it. */
  sampleRatio: number;
  /** Takes a chunk of ended spans (to the export thread). */
  ship: (records: SpanRecord[]) => void;
  /** Told how many spans were dropped. */
  dropped: (spans: number) => void;
}

/** Starts recorded spans and ships the ended ones, as records, in chunks. */
export class SpanRecorder {
  private ended: RecordedSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private stopped = false;
  private toWallClock = Date.now() - performance.now();

  constructor(private readonly options: SpanRecorderOptions) {}

  /** A span whose parent is `parent` (a traceparent) or else `active` (a span of this process). */
  start(
    name: string,
    kind: SpanKind,
    attributes: SpanAttributes | undefined,
    parent: string | undefined,
    active: RecordedSpan | undefined,
  ): RecordedSpan {
    const remote = parent !== undefined ? parseTraceparent(parent) : undefined;
    const from = remote ?? active;
    const traceId = from?.traceId ?? randomHex(16);
    const sampled = remote
      ? flagsSampled(remote.flags)
      : (active?.sampled ?? sampledAtRatio(traceId, this.options.sampleRatio));
    return new RecordedSpan(
      name,
      kind,
      traceId,
      randomHex(8),
      from?.spanId,
      remote !== undefined,
      // The callers' attributes are fresh objects (messagingAttributes): kept, not copied.
      attributes ?? {},
      sampled,
      this.spanEnded,
    );
  }

  /** Ships every ended span now (before the export thread is flushed at shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.ended.length === 0) return;
    const spans = this.ended;
    this.ended = [];
    // Recorded on the monotonic clock, made wall-clock times with one offset kept across chunks, so
    // the spans' order and durations are exact (an offset taken per chunk or per span, as the SDK
    // does, moves by up to a millisecond with Date.now()'s resolution: a child could start before its
    // parent). It follows the wall clock only when that moved by more than its resolution explains.
    const offset = Date.now() - performance.now();
    if (Math.abs(offset - this.toWallClock) > CLOCK_STEP_MS) this.toWallClock = offset;
    this.options.ship(spans.map((span) => span.record(this.toWallClock)));
  }

  /** Ships what has ended; spans ending later are not recorded. */
  stop(): void {
    this.flush();
    this.stopped = true;
  }

  private readonly spanEnded = (span: RecordedSpan): void => {
    if (this.stopped) return;
    if (this.ended.length >= this.options.queueLimit) return this.options.dropped(1);
    this.ended.push(span);
    if (this.ended.length >= this.options.chunkSize) this.soon ??= setImmediate(this.shipNow);
    else this.timer ??= setTimeout(this.shipNow, this.options.delayMs).unref();
  };

  private readonly shipNow = (): void => {
    this.soon = undefined;
    this.flush();
  };
}
