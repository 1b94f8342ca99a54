import assert from 'node:assert/strict';
import { PackageError } from '../../plugin-packages/package-error.js';

/** The PackageError a promise rejects with; fails the test when it resolves or rejects otherwise. */
export async function packageFailure(promise: Promise<unknown>): Promise<PackageError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PackageError, `expected a PackageError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the promise to reject');
}
