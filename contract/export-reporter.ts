import { errorMessage } from './result.js';
import type { ExportFailures, ExportProblem } from './tracer.js';

export interface ExportReporter {
  /** An export succeeded. */
  sent(): void;
  /** An export of `spans` spans failed. */
  failed(spans: number, error: unknown): void;
  /** Spans refused because too many were waiting to be sent (the collector too slow or down). */
  dropped(spans: number): void;
  counts(): ExportFailures;
  /** At shutdown: losses not reported yet are reported now. */
  close(): void;
}

/** How often, at most, failed exports are reported again while they go on failing. */
export const REPORT_EVERY_MS = 60_000;

/**
 * Tells the operator that spans are being lost (a collector down, refusing, answering errors), without
 * a line per batch: the first failure is reported at once, further ones at most once a minute with
 * how many failed since, and the recovery with the failures it ends. Every change of the totals is
 * told too, without a message (the telemetry child shows them in the tree).
 */
export function exportReporter(
  url: string,
  notify: ((problem: ExportProblem) => void) | undefined,
  clock: () => number = Date.now,
): ExportReporter {
  const totals: ExportFailures = { failedExports: 0, lostSpans: 0 };
  let unreported = { exports: 0, spans: 0 };
  let lastReport: number | undefined;
  let lastError = '';
  let failing = false;

  const emit = (message: string) => {
    lastReport = clock();
    unreported = { exports: 0, spans: 0 };
    notify?.({ message, failing, ...totals });
  };
  // The totals change: told without a message (the tree's counters), unless a report says it.
  const count = () => notify?.({ failing, ...totals });
  const lost = (exports: number, spans: number, error: string) => {
    totals.failedExports += exports;
    totals.lostSpans += spans;
    unreported = { exports: unreported.exports + exports, spans: unreported.spans + spans };
    lastError = error;
    if (!failing) {
      failing = true;
      emit(
        `cannot send spans to ${url}: ${error}; ${spans} spans lost (reported again at most once a minute)`,
      );
    } else if (lastReport === undefined || clock() - lastReport >= REPORT_EVERY_MS) {
      emit(
        `still cannot send spans to ${url}: ${unreported.exports} failed exports, ${unreported.spans} spans lost since the last report (${totals.lostSpans} in all); last error: ${lastError}`,
      );
    } else count();
  };

  return {
    sent() {
      if (!failing) return;
      failing = false;
      const since =
        unreported.exports > 0
          ? ` (${unreported.exports} more failed exports, ${unreported.spans} spans lost, since the last report)`
          : '';
      emit(`sending spans to ${url} again${since}; ${totals.lostSpans} spans lost in all`);
    },
    failed(spans: number, error: unknown) {
      lost(1, spans, error === undefined ? 'unknown error' : errorMessage(error));
    },
    dropped(spans: number) {
      lost(0, spans, lastError || 'too many spans waiting to be sent');
    },
    counts: (): ExportFailures => ({ ...totals }),
    close() {
      if (unreported.exports > 0 || unreported.spans > 0)
        emit(
          `could not send spans to ${url}: ${unreported.exports} failed exports, ${unreported.spans} spans lost since the last report (${totals.lostSpans} in all); last error: ${lastError}`,
        );
    },
  };
}
