/**
 * The quote book in storage, and only through the storage API: rows in `quotes`
 * (`quote_db__quotes`) and `votes`, and key-value entries for the cached count, feature flags and
 * per-user add limits. Every call goes through the circuit breaker and the retry policy,
 * so a storage outage becomes one `QuotesUnavailable` rather than a hang or a crash.
 */
import { escapeLike, StorageError, type CommandContext, type Filter, type Row } from 'rosey/sdk';
import { CircuitBreaker } from './circuit-breaker.js';
import type { Quote } from './format.js';
import type { Feature } from './parse.js';
import { DEFAULT_RETRY, UNAVAILABLE, withRetry, type CallKind, type RetryPolicy } from './retry.js';

type Kv = CommandContext['kv'];
type Rows = CommandContext['rows'];

const TABLE = 'quotes';
const VOTES = 'votes';
const FIELDS = ['id', 'text', 'author', 'added_by', 'timestamp', 'score', 'tags'];
export const SCORE_MIN = -100;
export const SCORE_MAX = 100;
const COUNT_KEY = 'total_count';

/** Storage cannot be reached (or keeps failing) right now. */
export class QuotesUnavailable extends Error {
  constructor(readonly code: string) {
    super(`quotes are unavailable (${code})`);
  }
}

export function toQuote(row: Row): Quote {
  const tags = Array.isArray(row.tags) ? row.tags.filter((t): t is string => typeof t === 'string') : [];
  return {
    id: Number(row.id),
    text: String(row.text),
    author: String(row.author),
    addedBy: String(row.added_by),
    timestamp: Number(row.timestamp),
    score: Number(row.score ?? 0),
    tags,
  };
}

export interface StoreOptions {
  retry?: RetryPolicy;
  breaker?: CircuitBreaker;
  /** How long the cached count may be served (seconds). */
  countCacheSeconds?: number;
  onRetry?: (error: StorageError, attempt: number) => void;
}

export class QuoteStore {
  private readonly retry: RetryPolicy;
  readonly breaker: CircuitBreaker;
  private readonly locks = new Map<number, Promise<unknown>>();

  constructor(
    private readonly rows: Rows,
    private readonly kv: Kv,
    private readonly options: StoreOptions = {},
  ) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.breaker = options.breaker ?? new CircuitBreaker();
  }

  /** One storage call under the breaker and the retry policy. */
  private async call<T>(kind: CallKind, run: () => Promise<T>): Promise<T> {
    if (!this.breaker.allow()) throw new QuotesUnavailable('CIRCUIT_OPEN');
    try {
      const result = await withRetry(run, kind, this.retry, this.options.onRetry);
      this.breaker.succeeded();
      return result;
    } catch (error) {
      if (error instanceof StorageError && UNAVAILABLE.has(error.code)) {
        this.breaker.failed();
        throw new QuotesUnavailable(error.code);
      }
      // The request was wrong, or storage is full (it still reads): that does not make it unreachable.
      this.breaker.succeeded();
      throw error;
    }
  }

  async get(id: number): Promise<Quote | undefined> {
    const row = await this.call('read', () => this.rows.select(TABLE, id));
    return row ? toQuote(row) : undefined;
  }

  /** Cached in KV for `countCacheSeconds`; every add and delete drops the cached value. */
  async count(): Promise<number> {
    const cached = await this.call('read', () => this.kv.get<number>(COUNT_KEY));
    if (typeof cached === 'number') return cached;
    return this.recount();
  }

  private async recount(): Promise<number> {
    const total = await this.call('read', () => this.rows.count(TABLE));
    const ttl = this.options.countCacheSeconds ?? 60;
    await this.call('write', () => this.kv.set(COUNT_KEY, total, { ttl }));
    return total;
  }

  private forgetCount(): Promise<boolean> {
    return this.call('write', () => this.kv.delete(COUNT_KEY));
  }

  /** A uniformly chosen quote: count, then one row at a random offset (no full scan). */
  async random(): Promise<Quote | undefined> {
    for (const fresh of [false, true]) {
      const total = fresh ? await this.recount() : await this.count();
      if (total === 0) return undefined;
      const offset = Math.floor(Math.random() * total);
      const [row] = await this.call('read', () =>
        this.rows.search(TABLE, { sort: { field: 'id', order: 'asc' }, limit: 1, offset, fields: FIELDS }),
      );
      if (row) return toQuote(row);
      // The cached count was ahead of the table (quotes deleted meanwhile): count again.
    }
    return undefined;
  }

  async add(quote: { text: string; author: string; addedBy: string; tags: string[] }, now = Date.now()) {
    const id = await this.call('write', () =>
      this.rows.insert(TABLE, {
        text: quote.text,
        author: quote.author,
        added_by: quote.addedBy,
        timestamp: Math.floor(now / 1000),
        score: 0,
        tags: quote.tags,
      }),
    );
    await this.forgetCount().catch(() => false);
    return Number(id);
  }

  /** `#tag` → rows whose tags contain it; words → author or text contains them (any case). */
  async search(term: { words?: string; tag?: string }, limit: number) {
    const filters: Filter =
      term.tag !== undefined
        ? { tags: { $contains: term.tag } }
        : {
            $or: [
              { author: { $ilike: `%${escapeLike(term.words ?? '')}%` } },
              { text: { $ilike: `%${escapeLike(term.words ?? '')}%` } },
            ],
          };
    const total = await this.call('read', () => this.rows.count(TABLE, filters));
    if (total === 0) return { total, quotes: [] as Quote[] };
    const rows = await this.call('read', () =>
      this.rows.search(TABLE, { filters, sort: { field: 'id', order: 'asc' }, limit, fields: FIELDS }),
    );
    return { total, quotes: rows.map(toQuote) };
  }

  async delete(id: number): Promise<boolean> {
    const deleted = await this.call('write', () => this.rows.delete(TABLE, { id }));
    if (deleted > 0) {
      await this.forgetCount().catch(() => false);
      await this.call('write', () => this.rows.delete(VOTES, { quote_id: id })).catch(() => 0);
    }
    return deleted > 0;
  }

  /** Adds ±1 in one atomic statement, held within [-100, 100]; the new score, or undefined if gone. */
  async vote(id: number, by: 1 | -1): Promise<number | undefined> {
    const result = await this.call('write', () =>
      this.rows.update(
        TABLE,
        { id },
        { score: { $inc: by, $max: SCORE_MIN, $min: SCORE_MAX } },
        { returning: true },
      ),
    );
    const row = result.rows?.[0];
    return row ? Number(row.score) : undefined;
  }

  /**
   * Records that `user` voted on quote `id` (a row in `votes`, whose primary key is the quote and
   * the voter); false when they already had. Rolling back 002 drops the votes with the scores.
   */
  async claimVote(id: number, user: string): Promise<boolean> {
    try {
      await this.call('write', () => this.rows.insert(VOTES, { quote_id: id, voter: user.toLowerCase() }));
      return true;
    } catch (error) {
      if (error instanceof StorageError && error.code === 'CONFLICT') return false;
      throw error;
    }
  }

  async releaseVote(id: number, user: string): Promise<void> {
    await this.call('write', () => this.rows.delete(VOTES, { quote_id: id, voter: user.toLowerCase() }));
  }

  async top(n: number): Promise<Quote[]> {
    const rows = await this.call('read', () =>
      this.rows.search(TABLE, {
        filters: { score: { $gt: 0 } },
        sort: [
          { field: 'score', order: 'desc' },
          { field: 'id', order: 'asc' },
        ],
        limit: n,
        fields: FIELDS,
      }),
    );
    return rows.map(toQuote);
  }

  /**
   * Changes a quote's tags with `change` (read, change, write). Changes to one quote run one after
   * another in this process, so two people tagging at once both get their tag.
   */
  async updateTags(id: number, change: (tags: string[]) => string[]): Promise<Quote | undefined> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const task = previous
      .catch(() => undefined)
      .then(async () => {
        const quote = await this.get(id);
        if (!quote) return undefined;
        const tags = change(quote.tags);
        if (tags.join(' ') === quote.tags.join(' ')) return quote;
        await this.call('write', () => this.rows.update(TABLE, { id }, { tags: { $set: tags } }));
        return { ...quote, tags };
      });
    this.locks.set(id, task);
    try {
      return await task;
    } finally {
      if (this.locks.get(id) === task) this.locks.delete(id);
    }
  }

  /** An audit record, under the same deadline and breaker as every other storage call. */
  async audit(record: () => Promise<void>): Promise<void> {
    await this.call('write', record);
  }

  /** Feature flags in KV (`feature:<name>`); a feature nobody switched is on. */
  async feature(name: Feature): Promise<boolean> {
    return (await this.call('read', () => this.kv.get<boolean>(`feature:${name}`))) !== false;
  }

  async setFeature(name: Feature, on: boolean): Promise<void> {
    await this.call('write', () => this.kv.set(`feature:${name}`, on));
  }

  /**
   * Counts one add against `user`'s limit for this clock hour; false when it would exceed `limit`.
   * The count is taken first (atomic `incr`), so concurrent adds cannot all slip under the limit.
   */
  async takeAdd(user: string, limit: number, now = Date.now()): Promise<boolean> {
    const key = `adds:${user.toLowerCase()}:${Math.floor(now / 3_600_000)}`;
    const used = await this.call('write', () => this.kv.incr(key, 1, { ttl: 3600 }));
    return used <= limit;
  }

  /** Gives back an add counted by `takeAdd` that did not happen. */
  async returnAdd(user: string, now = Date.now()): Promise<void> {
    const key = `adds:${user.toLowerCase()}:${Math.floor(now / 3_600_000)}`;
    await this.call('write', () => this.kv.incr(key, -1, { ttl: 3600 }));
  }
}
