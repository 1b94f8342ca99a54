import { createHash } from 'node:crypto';

/**
 * The advisory-lock key of a lease name: PostgreSQL's advisory locks take one 64-bit integer, so
 * the name (`cytube:<server>/<channel>`) is hashed into one, the same on every node.
 */
export function leaseKey(name: string): string {
  return createHash('sha256').update(`rosey:lease:${name}`).digest().readBigInt64BE(0).toString();
}
