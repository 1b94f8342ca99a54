import { randomHex } from './random-hex.js';

/**
 * W3C Trace Context (`traceparent: 00-<trace-id>-<parent-id>-<flags>`). Every message Rosey sends
 * carries one; a message sent because of another continues its trace with a new span id.
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  spanId: string;
  flags: string;
}

export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const match = value ? TRACEPARENT.exec(value) : null;
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags}`;
}

/** A new span: inside `parent`'s trace when there is one, else the root of a new trace. */
export function nextTraceparent(parent?: string): string {
  const ctx = parseTraceparent(parent);
  return formatTraceparent({
    traceId: ctx?.traceId ?? randomHex(16),
    spanId: randomHex(8),
    flags: ctx?.flags ?? '01',
  });
}
