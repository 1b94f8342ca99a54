/**
 * The entry of a process's trace export thread (started by export-thread.ts). It lowers the
 * thread's priority before anything else loads, so that loading OpenTelemetry's exporter (about
 * 0.2 s of CPU) already takes only what the process's commands leave, says so, then loads the
 * work (otel-exporter.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { FromExportThread } from './export-thread-messages.js';
import { yieldToCommands } from './lowest-priority.js';

yieldToCommands();
// The tracing's start waits for this: from then on the thread takes only what the commands leave.
parentPort?.postMessage({ type: 'started' } satisfies FromExportThread);
await import('./otel-exporter.js');
