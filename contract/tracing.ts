/**
 * Spans of a chat line's trace, as Rosey's code sees them: an interface and one slot per process.
 * With tracing off (the default) the slot is empty, no OpenTelemetry module is loaded and no span
 * object is made: every place that could record one first asks `tracing()` and finds nothing. With
 * tracing on, `loadTracing` imports the OpenTelemetry implementation (otel-tracing.ts) and whoever
 * owns it (the tree's telemetry child in Rosey, the SDK runner in a plugin process) installs it.
 */

import { ATTR, messagingAttributes, type Tracing, type TracingOptions } from './tracer.js';

export {
  ATTR,
  messagingAttributes,
  type ExportFailures,
  type ExportProblem,
  type Span,
  type SpanAttributes,
  type SpanKind,
  type SpanOptions,
  type Tracing,
  type TracingOptions,
} from './tracer.js';

let installed: Tracing | undefined;

/** The process's tracing, or undefined when tracing is off. */
export function tracing(): Tracing | undefined {
  return installed;
}

/**
 * Makes `next` the process's tracing (undefined: off). A tracing replaced without having been shut
 * down (its owner was killed, then restarted) is shut down here, so a restart never leaves one
 * behind with its export timer running.
 */
export function installTracing(next: Tracing | undefined): void {
  const previous = installed;
  installed = next;
  if (previous && previous !== next) void previous.shutdown().catch(() => undefined);
}

/** Removes `mine` if it is still the installed tracing (a newer owner's stays). */
export function uninstallTracing(mine: Tracing): void {
  if (installed === mine) installed = undefined;
}

/** Loads OpenTelemetry (only now) and starts a tracer that exports to `options.url`. */
export async function loadTracing(options: TracingOptions): Promise<Tracing> {
  const { startOtelTracing } = await import('./otel-tracing.js');
  return startOtelTracing(options);
}

/** The traces URL for an OTLP/HTTP endpoint given as its base (as `OTEL_EXPORTER_OTLP_ENDPOINT` is). */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * A connector took a chat line from its platform: a span (ended at once: the line is handed to the
 * bus) that starts the line's trace. What to publish the line with; undefined with tracing off.
 */
export function chatReceived(platform: string, channel: string): { parentSpan: string } | undefined {
  const t = tracing();
  if (!t) return undefined;
  const span = t.start('receive chat', {
    kind: 'consumer',
    attributes: { [ATTR.platform]: platform, [ATTR.channel]: channel },
  });
  span.end();
  return { parentSpan: span.traceparent };
}

/**
 * A connector passes a line the bus asked it to send (`meta`: that message's) on to its platform:
 * runs `send` inside a span in the line's trace, failed if `send` throws.
 */
export function chatSent<T>(
  platform: string,
  channel: string,
  meta: { subject: string; traceparent: string; correlationId: string },
  send: () => T,
): T {
  const t = tracing();
  if (!t) return send();
  const attributes = messagingAttributes('process', meta.subject, meta.correlationId);
  attributes[ATTR.platform] = platform;
  attributes[ATTR.channel] = channel;
  const span = t.start('send chat', { kind: 'producer', parent: meta.traceparent, attributes });
  try {
    return t.run(span, send);
  } catch (error) {
    span.fail('INTERNAL', error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    span.end();
  }
}
