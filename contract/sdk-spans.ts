/**
 * Recorded spans (span-recorder.ts) as the OpenTelemetry SDK's ended spans (`ReadableSpan`), in the
 * export thread (otel-export-thread.ts), with the ids and times they were recorded with: what the
 * SDK's span processors and OTLP exporter take. Not through the SDK's tracer: its `startSpan` and
 * `end` (contexts, sampling, attribute sanitising, clock offsets) were most of the thread's work
 * per span, for spans already ended, sampled, and whose attributes Rosey typed.
 */
import { SpanKind, SpanStatusCode, type HrTime, type SpanContext } from '@opentelemetry/api';
import { hrTimeDuration, millisToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { SpanRecord } from './span-recorder.js';
import type { SpanKind as RoseySpanKind } from './tracer.js';

const KINDS: Record<RoseySpanKind, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** Only sampled spans are recorded and reach the export thread (trace-sampling.ts). */
const SAMPLED = 1;

const OK = { code: SpanStatusCode.UNSET };

class RecordedReadableSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly duration: HrTime;
  readonly status: ReadableSpan['status'];
  readonly attributes: ReadableSpan['attributes'];
  readonly links = [];
  readonly events = [];
  readonly ended = true;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  private readonly context: SpanContext;

  constructor(
    record: SpanRecord,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
  ) {
    this.name = record.name;
    this.kind = KINDS[record.kind];
    this.context = { traceId: record.traceId, spanId: record.spanId, traceFlags: SAMPLED };
    this.parentSpanContext =
      record.parentSpanId === undefined
        ? undefined
        : {
            traceId: record.traceId,
            spanId: record.parentSpanId,
            traceFlags: SAMPLED,
            isRemote: record.remoteParent,
          };
    this.startTime = millisToHrTime(record.startTime);
    this.endTime = millisToHrTime(record.endTime);
    this.duration = hrTimeDuration(this.startTime, this.endTime);
    this.status = record.failure === undefined ? OK : { code: SpanStatusCode.ERROR, message: record.failure };
    this.attributes = record.attributes;
  }

  spanContext = (): SpanContext => this.context;
}

/** The ended SDK spans of `records`, from `resource`, recorded by `scope`. */
export function toReadableSpans(
  records: readonly SpanRecord[],
  resource: Resource,
  scope: InstrumentationScope,
): ReadableSpan[] {
  return records.map((record) => new RecordedReadableSpan(record, resource, scope));
}
