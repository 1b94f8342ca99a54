import { randomHex } from './random-hex.js';
import { NOT_SAMPLED_FLAGS, SAMPLED_FLAGS } from './trace-sampling.js';

/**
 * W3C Trace Context (`traceparent: 00-<trace-id>-<parent-id>-<flags>`). Every message Rosey sends
 * carries one; a message sent because of another continues its trace with a new span id.
 */
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceContext {
  traceId: string;
  spanId: string;
  flags: string;
}

// Read on every message sent (its trace continued) and every span: one test, then fixed slices,
// instead of a match array and two more patterns.
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (value?.length !== 55 || !TRACEPARENT.test(value)) return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags: value.slice(53) };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${ctx.flags}`;
}

/**
 * A new span: inside `parent`'s trace when there is one, else the root of a new trace, recorded if
 * `recordsNewTrace` says so (the process's sampling; by default every trace).
 */
export function nextTraceparent(
  parent?: string,
  recordsNewTrace: (traceId: string) => boolean = () => true,
): string {
  const ctx = parseTraceparent(parent);
  if (ctx) return formatTraceparent({ traceId: ctx.traceId, spanId: randomHex(8), flags: ctx.flags });
  const traceId = randomHex(16);
  const recorded = recordsNewTrace(traceId);
  return formatTraceparent({
    traceId,
    spanId: randomHex(8),
    flags: recorded ? SAMPLED_FLAGS : NOT_SAMPLED_FLAGS,
  });
}
