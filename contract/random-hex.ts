import { randomFillSync } from 'node:crypto';

/**
 * Random hex ids for trace and span ids. Every message needs one, so they come from a pooled
 * buffer refilled 4 KiB at a time instead of a crypto call per id.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

export function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
