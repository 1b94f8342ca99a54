/** Every size limit the storage service enforces, in one place (documented in docs/storage.md). */
export const LIMITS = {
  /** Serialized JSON of one KV value. */
  kvValueBytes: 64 * 1024,
  kvKeyLength: 255,
  /** Longest TTL: ten years, in seconds. */
  kvMaxTtlSeconds: 10 * 365 * 24 * 3600,
  /**
   * Nesting of a stored JSON value (a key-value value, a JSON column, an audit detail; the value
   * itself is level 1). Below the bus's MAX_JSON_DEPTH, so a reply carrying the value fits too.
   */
  jsonValueDepth: 32,
  /** One text value in a row (characters). */
  rowTextLength: 64 * 1024,
  /** Rows in one batch insert. */
  batchRows: 1000,
  /** Default and maximum page size for list and search. */
  defaultLimit: 100,
  maxLimit: 1000,
  maxOffset: 1_000_000,
  /** Items in one `$in` / `$nin` list. */
  inList: 1000,
  /** Nesting of `$and` / `$or` / `$not`. */
  filterDepth: 8,
  /** Conditions in one filter, all levels together. */
  filterConditions: 200,
  sortFields: 5,
  /** Pattern of one `$like` / `$ilike`. */
  likePattern: 1000,
  /** An audit record's action, with the plugin name and a dot in front (the column's width). */
  auditActionLength: 64,
  /** An audit record's target (the column's width). */
  auditTargetLength: 255,
  /** Serialized JSON of an audit record's detail. */
  auditDetailBytes: 8 * 1024,
} as const;
