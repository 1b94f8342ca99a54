import type { Knex } from 'knex';
import type { Dialect } from '../database/open.js';
import { checkJsonValue, checkUnicode } from './json-values.js';
import { checkKey } from './keys.js';
import { escapeLike } from '../../contract/messages/storage.js';
import { LIMITS } from '../../contract/messages/storage-limits.js';
import { fail, fromDatabaseError } from '../database/storage-error.js';

const TABLE = 'rosey_kv';

interface KvRow {
  value: string;
  expires_at: number | string | null;
}

const liveAt = (now: number) => (q: Knex.QueryBuilder) =>
  q.whereNull('expires_at').orWhere('expires_at', '>', now);

const toMs = (v: number | string | null): number | null => (v === null ? null : Number(v));

function encodeValue(value: unknown): string {
  if (value === undefined) fail('VALIDATION_ERROR', 'value: required');
  checkJsonValue(value, 'value');
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text) > LIMITS.kvValueBytes) {
    fail(
      'VALUE_TOO_LARGE',
      `value: ${Buffer.byteLength(text)} bytes of JSON, more than the ${LIMITS.kvValueBytes} allowed`,
    );
  }
  return text;
}

function expiryOf(ttl: number | undefined, now: number): number | null {
  if (ttl === undefined) return null;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > LIMITS.kvMaxTtlSeconds) {
    fail('VALIDATION_ERROR', `ttl: a whole number of seconds from 1 to ${LIMITS.kvMaxTtlSeconds}`);
  }
  return now + ttl * 1000;
}

/**
 * One key-value store per plugin (rows of `rosey_kv` keyed by namespace). Expired keys are invisible
 * at once and deleted by `sweep()`; `incr` is atomic (one transaction, row-locked on PostgreSQL,
 * serialised by SQLite's single writer).
 */
export class KvStore {
  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
    private readonly now: () => number = Date.now,
  ) {}

  async get(namespace: string, key: string) {
    checkKey(key);
    const row = (await this.run(() =>
      this.knex<KvRow>(TABLE)
        .select('value', 'expires_at')
        .where({ namespace, key })
        .andWhere(liveAt(this.now()))
        .first(),
    )) as KvRow | undefined;
    if (!row) return { exists: false as const };
    return {
      exists: true as const,
      value: JSON.parse(row.value) as unknown,
      expiresAt: toMs(row.expires_at),
    };
  }

  async set(namespace: string, key: string, value: unknown, ttl?: number) {
    checkKey(key);
    const now = this.now();
    const expiresAt = expiryOf(ttl, now);
    const text = encodeValue(value);
    await this.run(() =>
      this.knex(TABLE)
        .insert({ namespace, key, value: text, expires_at: expiresAt, updated_at: now })
        .onConflict(['namespace', 'key'])
        .merge(['value', 'expires_at', 'updated_at']),
    );
    return { stored: true as const, expiresAt };
  }

  async delete(namespace: string, key: string) {
    checkKey(key);
    const count = await this.run(() =>
      this.knex(TABLE).where({ namespace, key }).andWhere(liveAt(this.now())).delete(),
    );
    return { deleted: Number(count) > 0 };
  }

  /** Every key of a namespace, expired or not (`rosey plugin remove --purge-data`); returns how many. */
  async clear(namespace: string): Promise<number> {
    return Number(await this.run(() => this.knex(TABLE).where({ namespace }).delete()));
  }

  /** Keys in key order; `after` pages on from the last key of the previous page. */
  async list(namespace: string, prefix = '', limit: number = LIMITS.defaultLimit, after?: string) {
    if (prefix.length > LIMITS.kvKeyLength)
      fail('VALIDATION_ERROR', `prefix: longer than ${LIMITS.kvKeyLength} characters`);
    if (after !== undefined && after.length > LIMITS.kvKeyLength)
      fail('VALIDATION_ERROR', `after: longer than ${LIMITS.kvKeyLength} characters`);
    checkUnicode(prefix, 'prefix');
    if (after !== undefined) checkUnicode(after, 'after');
    const rows = (await this.run(() => {
      const query = this.knex(TABLE)
        .select('key')
        .where({ namespace })
        .andWhereRaw(`?? LIKE ? ESCAPE '\\'`, ['key', `${escapeLike(prefix)}%`])
        .andWhere(liveAt(this.now()));
      if (after !== undefined) query.andWhere('key', '>', after);
      return query.orderBy('key').limit(limit + 1);
    })) as Array<{ key: string }>;
    return { keys: rows.slice(0, limit).map((r) => r.key), more: rows.length > limit };
  }

  async incr(namespace: string, key: string, by = 1, ttl?: number) {
    checkKey(key);
    if (!Number.isFinite(by)) fail('VALIDATION_ERROR', 'by: must be a finite number');
    return this.run(() =>
      this.knex.transaction(async (trx) => {
        const now = this.now();
        await trx(TABLE)
          .insert({ namespace, key, value: '0', expires_at: null, updated_at: now })
          .onConflict(['namespace', 'key'])
          .ignore();
        const select = trx<KvRow>(TABLE).select('value', 'expires_at').where({ namespace, key });
        const row = (await (this.dialect === 'postgresql' ? select.forUpdate() : select).first()) as KvRow;
        const expired = row.expires_at !== null && Number(row.expires_at) <= now;
        const current = expired ? 0 : (JSON.parse(row.value) as unknown);
        if (typeof current !== 'number')
          fail('CONFLICT', `key ${key} holds a ${typeof current}, not a number`);
        const value = (current as number) + by;
        if (!Number.isFinite(value)) fail('VALIDATION_ERROR', 'the result is not a finite number');
        const expiresAt = ttl !== undefined ? expiryOf(ttl, now) : expired ? null : toMs(row.expires_at);
        await trx(TABLE)
          .where({ namespace, key })
          .update({ value: JSON.stringify(value), expires_at: expiresAt, updated_at: now });
        return { value, expiresAt };
      }),
    );
  }

  /** Deletes expired keys of every namespace; returns how many. */
  async sweep(): Promise<number> {
    const count = await this.run(() =>
      this.knex(TABLE).whereNotNull('expires_at').andWhere('expires_at', '<=', this.now()).delete(),
    );
    return Number(count);
  }

  private async run<T>(query: () => PromiseLike<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw fromDatabaseError(error);
    }
  }
}
