import { randomUUID } from 'node:crypto';
import { headers, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import { err, type Result } from './result.js';
import { nextTraceparent } from './trace-context.js';

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
}

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
  const traceparent = nextTraceparent(from?.traceparent);
  const hdrs = headers();
  hdrs.set(CORRELATION_HEADER, correlationId);
  hdrs.set(TRACEPARENT_HEADER, traceparent);
  return { hdrs, correlationId, traceparent };
}

/** Meta of a received message; messages from outside Rosey may lack headers and get fresh ones. */
export function incomingMeta(msg: Msg): MessageMeta {
  const correlationId = msg.headers?.get(CORRELATION_HEADER) || newCorrelationId();
  const traceparent = msg.headers?.get(TRACEPARENT_HEADER) || nextTraceparent();
  return { subject: msg.subject, correlationId, traceparent };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses a payload as JSON; an empty payload is `{}` so `rosey.control.status` needs no body. */
export function decodeJson(data: Uint8Array): Result<unknown> {
  if (data.length === 0) return { ok: true, data: {} };
  try {
    return { ok: true, data: JSON.parse(decoder.decode(data)) as unknown };
  } catch (error) {
    return err('INVALID_JSON', `payload is not valid JSON: ${(error as Error).message}`);
  }
}
