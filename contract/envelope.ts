import { randomUUID } from 'node:crypto';
import { headers, type Msg, type MsgHdrs } from './nats.js';
import { checkJsonText } from './json-text.js';
import { err, type Result } from './result.js';
import { nextTraceparent } from './trace-context.js';
import { tracing } from './tracing.js';

/** Header names every Rosey message carries. */
export const CORRELATION_HEADER = 'Rosey-Correlation-Id';
export const TRACEPARENT_HEADER = 'traceparent';

/** Where a message belongs: the conversation it is part of and its place in the trace. */
export interface MessageMeta {
  subject: string;
  correlationId: string;
  traceparent: string;
}

/** What an outgoing message continues, if anything. */
export interface Continuation {
  correlationId?: string;
  traceparent?: string;
  /**
   * The traceparent of a recorded span (contract/tracing.ts) this message is sent from: it goes on
   * the message as it is, so the receiver's span becomes that span's child. Without one a message
   * gets a new span id of its own in `traceparent`'s trace (no span is recorded for it).
   */
  parentSpan?: string;
}

/**
 * Whether a trace that starts here, with no span (a message that came without a traceparent, or one
 * sent afresh), is recorded: as this process's tracing samples new traces; with tracing off here,
 * flagged recorded, for processes downstream (which, with Rosey's one configuration, are off too).
 */
const recordsNewTrace = (traceId: string) => tracing()?.recordsNewTrace(traceId) ?? true;

export function newCorrelationId(): string {
  return randomUUID();
}

/** Headers for a message sent on behalf of `from` (a new conversation when absent). */
export function outgoingHeaders(from?: Continuation): {
  hdrs: MsgHdrs;
  correlationId: string;
  traceparent: string;
} {
  const correlationId = from?.correlationId ?? newCorrelationId();
  const traceparent = from?.parentSpan ?? nextTraceparent(from?.traceparent, recordsNewTrace);
  const hdrs = headers();
  hdrs.set(CORRELATION_HEADER, correlationId);
  hdrs.set(TRACEPARENT_HEADER, traceparent);
  return { hdrs, correlationId, traceparent };
}

/** Meta of a received message; messages from outside Rosey may lack headers and get fresh ones. */
export function incomingMeta(msg: Msg): MessageMeta {
  const correlationId = msg.headers?.get(CORRELATION_HEADER) || newCorrelationId();
  const traceparent = msg.headers?.get(TRACEPARENT_HEADER) || nextTraceparent(undefined, recordsNewTrace);
  return { subject: msg.subject, correlationId, traceparent };
}

const encoder = new TextEncoder();
// fatal: invalid bytes are refused; the default would turn each into U+FFFD, so that different byte
// strings (two keys) would become one.
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Parses a payload as JSON; an empty payload is `{}` so `rosey.control.status` needs no body. Every
 * message anyone receives over the bus comes through here, so here is where hostile text stops:
 * bytes that are not UTF-8 are `INVALID_JSON`; nesting past MAX_JSON_DEPTH, a number out of a
 * double's range and a lone surrogate are `VALIDATION_ERROR`, found before anything recursive
 * (JSON.parse's callers, zod, postMessage) sees the value.
 */
export function decodeJson(data: Uint8Array): Result<unknown> {
  if (data.length === 0) return { ok: true, data: {} };
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return err('INVALID_JSON', 'payload is not valid UTF-8');
  }
  const checked = checkJsonText(text);
  if (!checked.ok) return checked;
  try {
    return { ok: true, data: JSON.parse(text) as unknown };
  } catch (error) {
    return err('INVALID_JSON', `payload is not valid JSON: ${(error as Error).message}`);
  }
}
