/**
 * The export thread's work (loaded by its entry, otel-export-thread.ts): records of ended spans
 * arrive from the process's main thread, become OpenTelemetry's ended spans (sdk-spans.ts) and are
 * sent over OTLP/HTTP by Rosey's span processor, so that neither making them nor encoding them holds up a
 * command (issue 17). Failures are reported back as ExportProblems.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { exportReporter } from './export-reporter.js';
import {
  isExportThreadOptions,
  type ToExportThread,
  type FromExportThread,
} from './export-thread-messages.js';
import { QueuedSpanProcessor } from './queued-span-processor.js';
import { toReadableSpans } from './sdk-spans.js';

const BATCH = 256;
const QUEUE_LIMIT = 8192;

const port = parentPort;
if (!port || !isExportThreadOptions(workerData))
  throw new Error('otel-exporter.js runs in the worker thread started by export-thread.ts');
const options = workerData;

const tell = (message: FromExportThread) => port.postMessage(message);

const report = exportReporter(options.url, (problem) => tell({ type: 'problem', problem }));
const resource = resourceFromAttributes(options.resource);
const scope = { name: 'rosey' };
const processor = new QueuedSpanProcessor(
  new OTLPTraceExporter({ url: options.url, timeoutMillis: options.exportTimeoutMs }),
  report,
  {
    delayMs: options.exportDelayMs,
    batchSize: BATCH,
    queueLimit: QUEUE_LIMIT,
    settled: (spans) => tell({ type: 'settled', spans }),
  },
);

port.on('message', (message: ToExportThread) => {
  switch (message.type) {
    case 'spans':
      for (const span of toReadableSpans(message.spans, resource, scope)) processor.onEnd(span);
      return;
    case 'dropped':
      return report.dropped(message.spans);
    case 'shutdown':
      // Sends what waits (the span processor's shutdown), reports what was lost, then says so.
      void processor.shutdown().finally(() => tell({ type: 'closed' }));
      return;
  }
});
