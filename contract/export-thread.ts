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
  /** Resolves once the thread runs (at its priority); rejects if it failed or ended before. */
  started: Promise<void>;
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
  online?: () => void,
): ExportThread {
  // Not the process's own flags: some are refused in a worker (`--input-type`, seen in a test) and
  // the thread needs none of them (V8's flags apply to it anyway).
  const worker = new Worker(THREAD, { workerData: options, execArgv: [] });
  if (online) worker.once('online', online);
  let workerTotals: ExportFailures = { failedExports: 0, lostSpans: 0 };
  /** Spans lost on this side: the thread failed before or after they were shipped. */
  let lostHere = 0;
  /** Shipped and not yet sent, failed or dropped by the thread (what its failure loses). */
  let inFlight = 0;
  let stopped = false;
  let closing: Promise<void> | undefined;
  const totals = (): ExportFailures => ({
    failedExports: workerTotals.failedExports,
    lostSpans: workerTotals.lostSpans + lostHere,
  });
  const post = (message: ToExportThread) => worker.postMessage(message);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let markStarted: () => void = () => undefined;
  let failStart: (error: unknown) => void = () => undefined;
  const started = new Promise<void>((resolve, reject) => {
    markStarted = resolve;
    failStart = reject;
  });
  // Told to whoever awaits it; nobody has to.
  started.catch(() => undefined);
  void exited.then(() => failStart(new Error('the trace export thread ended')));
  const closed = new Promise<void>((resolve) =>
    worker.on('message', (message: FromExportThread) => {
      switch (message.type) {
        case 'started':
          return markStarted();
        case 'closed':
          return resolve();
        case 'settled':
          inFlight -= message.spans;
          return;
        case 'problem':
          workerTotals = {
            failedExports: message.problem.failedExports,
            lostSpans: message.problem.lostSpans,
          };
          notify?.({ ...message.problem, ...totals() });
          return;
      }
    }),
  );
  // The thread failed (it cannot load, or threw): what it held and what would have been sent are
  // lost, and said so.
  const lose = (spans: number, message?: string) => {
    lostHere += spans;
    notify?.({ failing: true, ...totals(), ...(message !== undefined && { message }) });
  };
  worker.on('error', (error) => {
    failStart(error);
    stopped = true;
    const held = inFlight;
    inFlight = 0;
    lose(held, `the trace export thread failed: ${errorMessage(error)}; spans are no longer sent`);
  });
  void exited.then(() => (stopped = true));
  // Held only until it runs (whoever starts it may be waiting for nothing else); unref'd after the
  // listeners, as adding a 'message' listener refs the thread's port again.
  void started.then(
    // Not once closing: then it is held until it has sent what waits.
    () => {
      if (!closing) worker.unref();
    },
    () => undefined,
  );

  return {
    started,
    ship(records) {
      if (stopped) return lose(records.length);
      try {
        post({ type: 'spans', spans: records });
        inFlight += records.length;
      } catch (error) {
        // A record that cannot be copied (an attribute that is not plain data): its chunk is lost.
        lose(records.length, `spans could not be handed to the trace export thread: ${errorMessage(error)}`);
      }
    },
    dropped(spans) {
      if (stopped) lose(spans);
      else post({ type: 'dropped', spans });
    },
    counts: totals,
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
