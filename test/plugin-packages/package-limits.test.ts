import assert from 'node:assert/strict';
import { formatBytes } from '../../plugin-packages/package-limits.js';

describe('sizes in package messages', () => {
  it('counts bytes below 1 KiB, and switches unit at exactly 1024 of the one below', () => {
    assert.equal(formatBytes(0), '0 bytes');
    assert.equal(formatBytes(1023), '1023 bytes');
    assert.equal(formatBytes(1024), '1 KiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(1024 * 1024 - 1), '1024 KiB');
    assert.equal(formatBytes(1024 * 1024), '1 MiB');
    assert.equal(formatBytes(20 * 1024 * 1024), '20 MiB');
    assert.equal(formatBytes(1024 ** 3), '1 GiB');
  });

  it('stays in GiB past it, the largest unit', () => {
    assert.equal(formatBytes(1024 ** 4), '1024 GiB');
    assert.equal(formatBytes(3 * 1024 ** 5), '3145728 GiB');
  });
});
