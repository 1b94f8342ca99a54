import { errors, type NatsConnection } from './nats.js';
import { z } from './zod.js';
import { err, errorMessage, type Result } from './result.js';
import { decodeJson, encodeJson, outgoingHeaders, type Continuation } from './envelope.js';
import { validate } from './validate.js';

const replySchema = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

export interface RequestOptions {
  timeoutMs: number;
  /** The trace and correlation id this request continues. */
  from?: Continuation;
}

/**
 * A request that always settles with a `Result`: a timeout, a subject nobody serves, a closed
 * connection or a malformed reply each become `{ ok: false, error }`, never a throw or a hang.
 * With `reply` (a schema of contract/messages), a successful reply's data is checked against it: one
 * that does not match is an `INTERNAL` error, so what the caller gets is typed by a check, not by trust.
 */
export function request<S extends z.ZodType>(
  nc: NatsConnection | undefined,
  subject: string,
  payload: unknown,
  options: RequestOptions & { reply: S },
): Promise<Result<z.output<S>>>;
export function request(
  nc: NatsConnection | undefined,
  subject: string,
  payload: unknown,
  options: RequestOptions,
): Promise<Result<unknown>>;
export async function request(
  nc: NatsConnection | undefined,
  subject: string,
  payload: unknown,
  options: RequestOptions & { reply?: z.ZodType },
): Promise<Result<unknown>> {
  if (!nc || nc.isClosed()) return err('BUS_UNAVAILABLE', 'not connected to NATS');
  const { hdrs } = outgoingHeaders(options.from);
  let data: Uint8Array;
  try {
    const reply = await nc.request(subject, encodeJson(payload), {
      timeout: options.timeoutMs,
      headers: hdrs,
    });
    data = reply.data;
  } catch (error) {
    return requestFailure(subject, options.timeoutMs, error);
  }
  const decoded = decodeJson(data);
  if (!decoded.ok) return decoded;
  if (isResult(decoded.data))
    return options.reply ? checkReply(subject, options.reply, decoded.data) : decoded.data;
  const checked = validate(replySchema, decoded.data);
  return err(
    'INTERNAL',
    `malformed reply from ${subject}: ${checked.ok ? 'not a result' : checked.error.message}`,
  );
}

/** A successful reply's data checked against its schema; error results pass as they are. */
export function checkReply<S extends z.ZodType>(
  subject: string,
  schema: S,
  result: Result<unknown>,
): Result<z.output<S>> {
  if (!result.ok) return result;
  const checked = validate(schema, result.data);
  return checked.ok ? checked : err('INTERNAL', `malformed reply from ${subject}: ${checked.error.message}`);
}

/** The reply envelope, checked by hand: this runs for every command. */
function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; data?: unknown; error?: { code?: unknown; message?: unknown } };
  if (v.ok === true) return 'data' in v;
  return (
    v.ok === false &&
    typeof v.error === 'object' &&
    v.error !== null &&
    typeof v.error.code === 'string' &&
    typeof v.error.message === 'string'
  );
}

export function requestFailure(subject: string, timeoutMs: number, error: unknown): Result<never> {
  const cause = error instanceof Error ? error.cause : undefined;
  if (error instanceof errors.TimeoutError || cause instanceof errors.TimeoutError) {
    return err('TIMEOUT', `no reply on ${subject} within ${timeoutMs} ms`);
  }
  if (
    error instanceof errors.NoRespondersError ||
    cause instanceof errors.NoRespondersError ||
    (error instanceof errors.RequestError && error.isNoResponders())
  ) {
    return err('NO_RESPONDERS', `nobody is serving ${subject}`);
  }
  // The NATS server refused the subject to this connection's user (a plugin's permissions).
  if (errorMessage(error).includes('Permissions Violation')) {
    return err(
      'FORBIDDEN',
      `not permitted to publish on ${subject}: ${errorMessage(error)} (NATS permissions)`,
    );
  }
  if (exceedsMaxPayload(error)) {
    return err(
      'VALUE_TOO_LARGE',
      `the request on ${subject} is larger than the NATS server accepts (max_payload)`,
    );
  }
  if (error instanceof errors.ClosedConnectionError || error instanceof errors.DrainingConnectionError) {
    return err('BUS_UNAVAILABLE', 'the NATS connection is closing');
  }
  return err('INTERNAL', `request on ${subject} failed: ${errorMessage(error)}`);
}

/** nats.js refuses, before sending, a message larger than the server's `max_payload` (1 MiB by default). */
export function exceedsMaxPayload(error: unknown): boolean {
  return error instanceof errors.InvalidArgumentError && error.message.includes('max_payload');
}
