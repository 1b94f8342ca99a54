import type { ErrorCode } from '../contract/result.js';

/**
 * What a failed storage call throws in a plugin: `code` is the error code of the reply
 * (docs/storage.md), or `TIMEOUT` / `NO_RESPONDERS` when storage did not answer.
 */
export class StorageError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
