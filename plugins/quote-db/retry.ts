/**
 * Retries of storage calls (PRD §16.2), decided by the StorageError code. A write is repeated only
 * when storage certainly did not run it (nobody was listening); a read also after a timeout, a
 * database error or an interrupted request, since running it twice changes nothing. Any other
 * error is final.
 */
import { StorageError } from 'rosey/sdk';

// SHUTTING_DOWN is not here: storage refuses new requests with it while draining, but the bus also
// answers every request still pending with it when storage stops, and that one may have committed.
const NOT_RUN = new Set(['NO_RESPONDERS', 'BUS_UNAVAILABLE']);
/** Codes that say storage is unreachable or failing, rather than that the request was wrong. */
export const UNAVAILABLE = new Set([...NOT_RUN, 'SHUTTING_DOWN', 'TIMEOUT', 'DATABASE_ERROR']);
/** Storage looked at the request and refused it: nothing was written. */
const REFUSED = new Set([
  // No room left: the database rolled the whole request back. Not UNAVAILABLE: reads still work,
  // and retrying cannot help until the operator frees space.
  'STORAGE_FULL',
  'VALIDATION_ERROR',
  'UNKNOWN_TABLE',
  'UNKNOWN_FIELD',
  'UNKNOWN_OPERATOR',
  'VALUE_TOO_LARGE',
  'CONFLICT',
  'NOT_FOUND',
]);

export type CallKind = 'read' | 'write';

export interface RetryPolicy {
  attempts: number;
  /** Wait before the second attempt; doubled for each further one. */
  firstDelayMs: number;
  /** How long one attempt may take before it counts as a TIMEOUT. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 100, attemptTimeoutMs: 1000 };

export function retryable(error: unknown, kind: CallKind): boolean {
  if (!(error instanceof StorageError)) return false;
  // A read may also have met a busy database or a timeout: running it again changes nothing.
  if (NOT_RUN.has(error.code)) return true;
  return kind === 'read' && ['TIMEOUT', 'DATABASE_ERROR', 'SHUTTING_DOWN'].includes(error.code);
}

/**
 * Whether a failed write certainly did not happen: storage was not listening, the circuit was open,
 * or storage refused it. After anything else (a timeout, a database error, an interrupted request)
 * it may have, so what was reserved for it (a vote, an add) is kept.
 */
export function certainlyNotRun(code: string): boolean {
  return NOT_RUN.has(code) || code === 'CIRCUIT_OPEN' || code === 'NOT_STARTED' || REFUSED.has(code);
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** `call()`, failing with TIMEOUT after `ms` (the request itself is abandoned, not cancelled). */
async function withDeadline<T>(call: () => Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StorageError('TIMEOUT', `no answer from storage within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([call(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `call` up to `policy.attempts` times; `onRetry` hears each failed attempt that is retried. */
export async function withRetry<T>(
  call: () => Promise<T>,
  kind: CallKind,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry: (error: StorageError, attempt: number) => void = () => {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withDeadline(call, policy.attemptTimeoutMs);
    } catch (error) {
      if (attempt >= policy.attempts || !retryable(error, kind)) throw error;
      onRetry(error as StorageError, attempt);
      await sleep(policy.firstDelayMs * 2 ** (attempt - 1));
    }
  }
}
