import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { ExportReporter } from './export-reporter.js';

export interface QueuedSpanProcessorOptions {
  /** How long an ended span waits at most before it is sent (ms). */
  delayMs: number;
  /** Spans per export request; a batch is encoded in one go, so this bounds how long that blocks. */
  batchSize?: number;
  /** Spans held at most while the collector is slow or down; more are dropped (and counted). */
  queueLimit?: number;
  /** Told how many spans it is done with: sent, or failed or dropped (and reported). */
  settled?: (spans: number) => void;
}

/**
 * OpenTelemetry's span processor interface, batching like its BatchSpanProcessor but with two
 * differences Rosey needs: a full batch is handed to the exporter after the current event-loop turn
 * (setImmediate) rather than inside the `span.end()` that filled it, where the SDK's processor
 * encodes the whole batch in the middle of a command; and every failed export or dropped span is
 * told to `report` (the SDK's processor only hands them to OpenTelemetry's global error handler).
 * One export at a time; on shutdown what is queued is sent, unless the collector fails meanwhile.
 */
export class QueuedSpanProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  private sending = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  /** The delay ran out while an export was in flight: what waits leaves as soon as it is answered. */
  private due = false;
  private soon: NodeJS.Immediate | undefined;
  private idle: (() => void)[] = [];
  private closed: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly queueLimit: number;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly report: ExportReporter,
    private readonly options: QueuedSpanProcessorOptions,
  ) {
    this.batchSize = options.batchSize ?? 256;
    this.queueLimit = options.queueLimit ?? 8192;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopping) return;
    if (this.queue.length >= this.queueLimit) {
      this.report.dropped(1);
      return this.options.settled?.(1);
    }
    this.queue.push(span);
    if (this.queue.length >= this.batchSize) this.soon ??= setImmediate(this.send);
    else this.timer ??= setTimeout(this.send, this.options.delayMs).unref();
  }

  /** Sends everything queued now, and resolves once it is answered. */
  forceFlush(): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.idle.push(resolve);
      if (!this.sending) this.send();
    });
  }

  shutdown(): Promise<void> {
    this.stopping = true;
    this.closed ??= (async () => {
      clearTimeout(this.timer);
      await this.forceFlush();
      this.report.close();
      await this.exporter.shutdown();
    })();
    return this.closed;
  }

  /** Sends one batch; when it is answered, the next one if more wait. */
  private readonly send = (): void => {
    this.soon = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    if (this.sending) {
      // Not dropped: the delay it stands for is over (a stale timer would block every later one).
      this.due = true;
      return;
    }
    this.due = false;
    const batch = this.queue.splice(0, this.batchSize);
    this.sending = true;
    this.exporter.export(batch, (result: ExportResult) => {
      this.sending = false;
      const ok = result.code === ExportResultCode.SUCCESS;
      if (ok) this.report.sent();
      else this.report.failed(batch.length, result.error);
      let settled = batch.length;
      if (this.stopping && !ok && this.queue.length > 0) {
        // Stopping, and the collector does not answer: the rest is not waited for either.
        this.report.dropped(this.queue.length);
        settled += this.queue.length;
        this.queue = [];
      }
      this.options.settled?.(settled);
      const flushing = this.stopping || this.idle.length > 0;
      if (this.queue.length > 0 && (this.queue.length >= this.batchSize || this.due || flushing))
        this.soon ??= setImmediate(this.send);
      else if (this.queue.length > 0) this.timer ??= setTimeout(this.send, this.options.delayMs).unref();
      else for (const resolve of this.idle.splice(0)) resolve();
    });
  };
}
