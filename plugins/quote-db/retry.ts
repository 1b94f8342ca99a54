/**
 * Retries of storage calls (PRD §16.2), decided by the StorageError code. A write is repeated only
 * when storage certainly did not run it (nobody was listening, or it refused while stopping); a read
 * also after a timeout, since running it twice changes nothing. Any other error is final.
 */
import { StorageError } from '../../kernel/sdk/index.js';

const NOT_RUN = new Set(['NO_RESPONDERS', 'SHUTTING_DOWN', 'BUS_UNAVAILABLE']);
/** Codes that say storage is unreachable or failing, rather than that the request was wrong. */
export const UNAVAILABLE = new Set([...NOT_RUN, 'TIMEOUT', 'DATABASE_ERROR']);

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
  return (
    NOT_RUN.has(error.code) ||
    (kind === 'read' && (error.code === 'TIMEOUT' || error.code === 'DATABASE_ERROR'))
  );
}

/**
 * Whether a failed write certainly did not happen: storage was not listening or refused it. After a
 * TIMEOUT or a database error it may have, so what was reserved for it (a vote, an add) is kept.
 */
export function certainlyNotRun(code: string): boolean {
  return NOT_RUN.has(code) || code === 'CIRCUIT_OPEN' || !UNAVAILABLE.has(code);
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
