/**
 * Folders deep enough to reach the system's path limit (PATH_MAX, 4096 on Linux): the one way a
 * test run as root can make a write fail after the folder for it was made.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/nats.js';

/** A new folder whose path is exactly `length` characters long. */
export function deepDir(length: number): string {
  let dir = tempDir();
  while (dir.length < length) {
    const room = length - dir.length - 1;
    // The rest in one segment when it fits a name (255 at most), else 200 and more to come.
    const segment = room > 255 ? 200 : room;
    dir = join(dir, 'd'.repeat(segment));
  }
  mkdirSync(dir, { recursive: true });
  assert.equal(dir.length, length);
  return dir;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
