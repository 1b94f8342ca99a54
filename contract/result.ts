/**
 * The one reply shape used on every NATS request subject and by every kernel API that can fail:
 * `{ ok: true, data }` or `{ ok: false, error: { code, message } }`.
 */
export type ErrorCode =
  | 'INVALID_JSON'
  | 'VALIDATION_ERROR'
  | 'TIMEOUT'
  | 'NO_RESPONDERS'
  | 'BUS_UNAVAILABLE'
  | 'NOT_FOUND'
  | 'UNKNOWN_COMMAND'
  | 'FORBIDDEN'
  | 'COOLDOWN'
  | 'PLUGIN_ERROR'
  | 'SHUTTING_DOWN'
  /** Too much already waiting (a connector's outbox). */
  | 'OVERLOADED'
  /** A plugin generation answered its health check with a failure. */
  | 'UNHEALTHY'
  /** The same operation is already running (a second reload of one plugin). */
  | 'BUSY'
  /** A reload switched to the new generation, which then failed: the old one serves again. */
  | 'ROLLED_BACK'
  /** The plugin does not implement what was asked (a reload's state hand-off). */
  | 'NOT_SUPPORTED'
  | 'INTERNAL'
  // storage and migrations
  | 'UNKNOWN_TABLE'
  | 'UNKNOWN_FIELD'
  | 'UNKNOWN_OPERATOR'
  | 'VALUE_TOO_LARGE'
  | 'CONFLICT'
  | 'DATABASE_ERROR'
  /** The database has no room left (disk or quota full): nothing of the request was written. */
  | 'STORAGE_FULL'
  | 'CHECKSUM_MISMATCH'
  | 'LOCK_TIMEOUT'
  | 'VALIDATION_FAILED'
  | 'MIGRATION_FAILED'
  | 'IRREVERSIBLE';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export type Ok<T> = { ok: true; data: T };
export type Err = { ok: false; error: ErrorBody };
export type Result<T> = Ok<T> | Err;

export function ok<T>(data: T): Ok<T> {
  return { ok: true, data };
}

export function err(code: ErrorCode, message: string): Err {
  return { ok: false, error: { code, message } };
}

/** Best-effort one-line text for anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
