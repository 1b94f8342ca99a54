import type { Knex } from 'knex';
import type { Dialect } from '../../database/open.js';
import { LIMITS } from '../../../contract/messages/storage-limits.js';
import { fail } from '../../database/storage-error.js';
import type { ColumnInfo, TableSchema } from './table-schema.js';
import { column, toDatabase } from './values.js';

export const FIELD_OPERATORS = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$like',
  '$ilike',
  '$contains',
  '$exists',
  '$null',
] as const;
export const LOGICAL_OPERATORS = ['$and', '$or', '$not'] as const;

type Where = Knex.QueryBuilder;

interface Context {
  schema: TableSchema;
  plugin: string;
  dialect: Dialect;
  conditions: number;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One checked part of a filter, ready to add to a query. */
type Clause = (qb: Where) => void;

/**
 * Mongo-style filters → a parameterised WHERE. Fields are checked against the table's real columns,
 * values against their types, operators against the list above; every value is a bound parameter.
 * The whole filter is checked before any of it reaches the query (knex runs a group's callback only
 * when it compiles the SQL), so the first fault in the filter's own order is the one reported.
 */
export function applyFilter(
  qb: Where,
  filter: unknown,
  schema: TableSchema,
  plugin: string,
  dialect: Dialect,
): void {
  if (filter === undefined) return;
  const ctx: Context = { schema, plugin, dialect, conditions: 0 };
  build(filter, ctx, 1, 'filters')(qb);
}

/** True when the filter constrains nothing (`{}`), which update and delete refuse without `all`. */
export function isEmptyFilter(filter: unknown): boolean {
  return filter === undefined || (isPlainObject(filter) && Object.keys(filter).length === 0);
}

const all =
  (clauses: Clause[]): Clause =>
  (qb) => {
    for (const clause of clauses) clause(qb);
  };

function build(filter: unknown, ctx: Context, depth: number, path: string): Clause {
  if (!isPlainObject(filter)) fail('VALIDATION_ERROR', `${path}: must be an object`);
  if (depth > LIMITS.filterDepth)
    fail('VALIDATION_ERROR', `${path}: nested deeper than ${LIMITS.filterDepth} levels`);
  const entries = Object.entries(filter as Record<string, unknown>);
  // knex drops an empty group: `{"$not": {}}` would match every row (and delete them all without
  // `all`), `{"$or": [{}, …]}` would lose the `{}`. Only the whole filter may be empty.
  if (depth > 1 && entries.length === 0)
    fail('VALIDATION_ERROR', `${path}: an empty filter (name at least one condition)`);
  return all(
    entries.map(([key, value]): Clause => {
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0)
          fail('VALIDATION_ERROR', `${path}.${key}: must be a non-empty list of filters`);
        const parts = (value as unknown[]).map((part, i) =>
          build(part, ctx, depth + 1, `${path}.${key}.${i}`),
        );
        return (qb) =>
          qb.where((group) => {
            for (const part of parts) {
              if (key === '$and') group.where(part);
              else group.orWhere(part);
            }
          });
      }
      if (key === '$not') {
        const inner = build(value, ctx, depth + 1, `${path}.$not`);
        return (qb) => qb.whereNot(inner);
      }
      if (key.startsWith('$')) {
        fail(
          'UNKNOWN_OPERATOR',
          `${path}: unknown operator ${key} (use ${LOGICAL_OPERATORS.join(', ')} or a field name)`,
        );
      }
      return field(key, value, ctx, `${path}.${key}`);
    }),
  );
}

function field(name: string, spec: unknown, ctx: Context, path: string): Clause {
  const col = column(ctx.schema, name, ctx.plugin);
  const ops: Record<string, unknown> = isPlainObject(spec) ? spec : { $eq: spec };
  if (Array.isArray(spec)) fail('VALIDATION_ERROR', `${path}: a list needs $in or $nin`);
  const entries = Object.entries(ops);
  if (entries.length === 0) fail('VALIDATION_ERROR', `${path}: no operator`);
  return all(entries.map(([op, value]) => condition(name, col, op, value, ctx, `${path}.${op}`)));
}

function condition(
  name: string,
  col: ColumnInfo,
  op: string,
  value: unknown,
  ctx: Context,
  at: string,
): Clause {
  if (++ctx.conditions > LIMITS.filterConditions) {
    fail('VALIDATION_ERROR', `filters: more than ${LIMITS.filterConditions} conditions`);
  }
  const bind = (v: unknown) => {
    if (v === null) fail('VALIDATION_ERROR', `${at}: null needs $eq, $ne or $null`);
    return toDatabase({ ...col, nullable: false }, v, ctx.dialect, at) as Knex.Value;
  };
  switch (op) {
    case '$eq':
    case '$ne': {
      if (value === null) return (qb) => (op === '$eq' ? qb.whereNull(name) : qb.whereNotNull(name));
      const bound = bind(value);
      return (qb) => qb.where(name, op === '$eq' ? '=' : '<>', bound);
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      if (col.kind === 'boolean' || col.kind === 'json')
        fail('VALIDATION_ERROR', `${at}: ${name} cannot be ordered`);
      const sql = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op];
      const bound = bind(value);
      return (qb) => qb.where(name, sql, bound);
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(value)) fail('VALIDATION_ERROR', `${at}: must be a list`);
      const list = value as unknown[];
      if (list.length > LIMITS.inList) fail('VALIDATION_ERROR', `${at}: more than ${LIMITS.inList} values`);
      const bound = list.map(
        (v, i) => toDatabase({ ...col, nullable: false }, v, ctx.dialect, `${at}.${i}`) as Knex.Value,
      );
      return (qb) => (op === '$in' ? qb.whereIn(name, bound) : qb.whereNotIn(name, bound));
    }
    case '$like':
    case '$ilike': {
      if (typeof value !== 'string') fail('VALIDATION_ERROR', `${at}: must be a string pattern`);
      const pattern = value as string;
      if (pattern.length > LIMITS.likePattern)
        fail('VALIDATION_ERROR', `${at}: pattern longer than ${LIMITS.likePattern}`);
      if (col.kind !== 'text' && col.kind !== 'any' && col.kind !== 'datetime') {
        fail('VALIDATION_ERROR', `${at}: ${name} is not text`);
      }
      // `\` escapes % and _ in patterns; SQLite runs with case_sensitive_like, so $like matches
      // case exactly on both databases and $ilike ignores (ASCII) case on both.
      if (op === '$like') return (qb) => qb.whereRaw(`?? LIKE ? ESCAPE '\\'`, [name, pattern]);
      if (ctx.dialect === 'postgresql') return (qb) => qb.whereRaw(`?? ILIKE ? ESCAPE '\\'`, [name, pattern]);
      return (qb) => qb.whereRaw(`lower(??) LIKE lower(?) ESCAPE '\\'`, [name, pattern]);
    }
    case '$contains': {
      if (col.kind !== 'json') fail('VALIDATION_ERROR', `${at}: ${name} is not a JSON column`);
      const scalar = scalarOf(value, at);
      return (qb) => contains(qb, ctx, name, scalar);
    }
    case '$exists':
    case '$null': {
      if (typeof value !== 'boolean') fail('VALIDATION_ERROR', `${at}: must be true or false`);
      const wantsValue = op === '$exists' ? value : !value;
      return (qb) => (wantsValue ? qb.whereNotNull(name) : qb.whereNull(name));
    }
    default:
      return fail('UNKNOWN_OPERATOR', `${at}: unknown operator (use ${FIELD_OPERATORS.join(', ')})`);
  }
}

type Scalar = string | number | boolean;

/** `$contains` looks for one exact JSON scalar; lists and objects have no single SQL form on both databases. */
// Matching NUL is the point of this pattern.
// eslint-disable-next-line no-control-regex
const NOT_IN_JSONB = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function scalarOf(value: unknown, at: string): Scalar {
  if (typeof value === 'string') {
    if (value.length > LIMITS.rowTextLength)
      fail('VALUE_TOO_LARGE', `${at}: longer than ${LIMITS.rowTextLength} characters`);
    // PostgreSQL's jsonb cannot hold either (it fails the query); refused alike on both databases.
    if (NOT_IN_JSONB.test(value))
      fail('VALIDATION_ERROR', `${at}: must not contain a NUL character or a lone surrogate`);
    return value;
  }
  if (typeof value === 'boolean' || Number.isFinite(value)) return value as Scalar;
  return fail('VALIDATION_ERROR', `${at}: must be a string, a finite number or a boolean`);
}

/**
 * A JSON array column holds `value` as one of its elements. Both forms are NULL for a NULL column
 * (so `$not` skips those rows, like every other condition) and false for anything not an array.
 */
function contains(qb: Where, ctx: Context, name: string, value: Scalar): void {
  if (ctx.dialect === 'postgresql') {
    // jsonb containment; the cast makes it work for json columns too. `"a" @> ["a"]` is false, so
    // a column holding a bare scalar does not match.
    qb.whereRaw(`(??)::jsonb @> ?::jsonb`, [name, JSON.stringify([value])]);
    return;
  }
  // json_each over a bare scalar yields the scalar itself, hence the array check first; CASE
  // evaluates in order, so json_each never sees text that is not JSON (it would raise an error).
  // Element types are compared too: json_each gives true as 1 and the string "1" as 1 as well.
  // The column is qualified because json_each has columns of its own (value, type, key, …).
  const col = `${ctx.schema.name}.${name}`;
  const [match, bindings]: [string, Knex.Value[]] =
    typeof value === 'boolean'
      ? ['e.type = ?', [value ? 'true' : 'false']]
      : typeof value === 'number'
        ? [`e.type IN ('integer', 'real') AND e.value = ?`, [value]]
        : [`e.type = 'text' AND e.value = ?`, [value]];
  qb.whereRaw(
    `CASE WHEN ?? IS NULL THEN NULL WHEN NOT json_valid(??) THEN 0 WHEN json_type(??) <> 'array' THEN 0 ` +
      `ELSE EXISTS (SELECT 1 FROM json_each(??) AS e WHERE ${match}) END`,
    [col, col, col, col, ...bindings],
  );
}
