/**
 * The main thread's side of a process's trace export thread (otel-export-thread.ts): ships it the
 * records of ended spans, mirrors the export failures it reports, and stops it. The thread is
 * unref'd (tracing never keeps a process alive) and belongs to the tracing that started it: its
 * `close` sends what waits and terminates the thread.
 */
import { Worker } from 'node:worker_threads';
import type { ExportThreadOptions, FromExportThread, ToExportThread } from './export-thread-messages.js';
import { errorMessage } from './result.js';
import type { SpanRecord } from './span-recorder.js';
import type { ExportFailures, ExportProblem } from './tracer.js';

export interface ExportThread {
  ship(records: SpanRecord[]): void;
  /** Spans lost before they could be shipped. */
  dropped(spans: number): void;
  counts(): ExportFailures;
  /** Sends what waits (within the export timeout), then ends the thread. */
  close(): Promise<void>;
}

const THREAD = new URL('./otel-export-thread.js', import.meta.url);

export function startExportThread(
  options: ExportThreadOptions,
  notify: ((problem: ExportProblem) => void) | undefined,
): ExportThread {
  const worker = new Worker(THREAD, { workerData: options });
  worker.unref();
  let totals: ExportFailures = { failedExports: 0, lostSpans: 0 };
  let stopped = false;
  let closing: Promise<void> | undefined;
  const post = (message: ToExportThread) => worker.postMessage(message);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const closed = new Promise<void>((resolve) =>
    worker.on('message', (message: FromExportThread) => {
      if (message.type === 'closed') return resolve();
      totals = { failedExports: message.problem.failedExports, lostSpans: message.problem.lostSpans };
      notify?.(message.problem);
    }),
  );
  // The thread failed (it cannot load, or threw): what would have been sent is lost, and said so.
  const lose = (spans: number, message?: string) => {
    totals = { ...totals, lostSpans: totals.lostSpans + spans };
    notify?.({ failing: true, ...totals, ...(message !== undefined && { message }) });
  };
  worker.on('error', (error) => {
    stopped = true;
    lose(0, `the trace export thread failed: ${errorMessage(error)}; spans are no longer sent`);
  });
  void exited.then(() => (stopped = true));

  return {
    ship(records) {
      if (stopped) lose(records.length);
      else post({ type: 'spans', spans: records });
    },
    dropped(spans) {
      if (stopped) lose(spans);
      else post({ type: 'dropped', spans });
    },
    counts: () => ({ ...totals }),
    close() {
      closing ??= (async () => {
        if (!stopped) {
          // Held open until the thread has sent what waits: a process stopping waits for it.
          worker.ref();
          post({ type: 'shutdown' });
          await Promise.race([closed, exited]);
        }
        stopped = true;
        await worker.terminate();
      })();
      return closing;
    },
  };
}
