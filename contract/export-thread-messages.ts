/** What a process's main thread and its trace export thread (otel-export-thread.ts) tell each other. */
import type { SpanRecord } from './span-recorder.js';
import type { ExportProblem, SpanAttributes } from './tracer.js';

/** The export thread's workerData. */
export interface ExportThreadOptions {
  url: string;
  resource: SpanAttributes;
  /** How long an ended span waits at most in the thread before it is sent (ms). */
  exportDelayMs: number;
  exportTimeoutMs: number | undefined;
}

export type ToExportThread =
  | { type: 'spans'; spans: SpanRecord[] }
  /** Spans the main thread could not hold (too many waiting): counted as lost. */
  | { type: 'dropped'; spans: number }
  /** Send what waits, then answer `closed`. */
  | { type: 'shutdown' };

export type FromExportThread =
  /** Running, at its priority (before it loads the exporter). */
  | { type: 'started' }
  | { type: 'problem'; problem: ExportProblem }
  /** Shipped spans the thread is done with: sent, or counted as lost in its problems. */
  | { type: 'settled'; spans: number }
  | { type: 'closed' };

export function isExportThreadOptions(data: unknown): data is ExportThreadOptions {
  if (typeof data !== 'object' || data === null) return false;
  const o = data as Record<string, unknown>;
  return (
    typeof o.url === 'string' &&
    typeof o.resource === 'object' &&
    o.resource !== null &&
    typeof o.exportDelayMs === 'number' &&
    (o.exportTimeoutMs === undefined || typeof o.exportTimeoutMs === 'number')
  );
}
