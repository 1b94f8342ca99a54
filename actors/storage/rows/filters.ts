import type { Knex } from '@mikro-orm/knex';
import type { Dialect } from '../../database/open.js';
import { LIMITS } from '../../../contract/messages/storage-limits.js';
import { fail } from '../../database/storage-error.js';
import type { TableSchema } from './table-schema.js';
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

/**
 * Mongo-style filters → a parameterised WHERE. Fields are checked against the table's real columns,
 * values against their types, operators against the list above; every value is a bound parameter.
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
  build(qb, filter, ctx, 1, 'filters');
}

/** True when the filter constrains nothing (`{}`), which update and delete refuse without `all`. */
export function isEmptyFilter(filter: unknown): boolean {
  return filter === undefined || (isPlainObject(filter) && Object.keys(filter).length === 0);
}

function build(qb: Where, filter: unknown, ctx: Context, depth: number, path: string): void {
  if (!isPlainObject(filter)) fail('VALIDATION_ERROR', `${path}: must be an object`);
  if (depth > LIMITS.filterDepth)
    fail('VALIDATION_ERROR', `${path}: nested deeper than ${LIMITS.filterDepth} levels`);
  for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0)
        fail('VALIDATION_ERROR', `${path}.${key}: must be a non-empty list of filters`);
      const parts = value as unknown[];
      qb.where((group) => {
        parts.forEach((part, i) => {
          const add = (sub: Where) => build(sub, part, ctx, depth + 1, `${path}.${key}.${i}`);
          if (key === '$and') group.where(add);
          else group.orWhere(add);
        });
      });
    } else if (key === '$not') {
      qb.whereNot((group) => build(group, value, ctx, depth + 1, `${path}.$not`));
    } else if (key.startsWith('$')) {
      fail(
        'UNKNOWN_OPERATOR',
        `${path}: unknown operator ${key} (use ${LOGICAL_OPERATORS.join(', ')} or a field name)`,
      );
    } else {
      field(qb, key, value, ctx, `${path}.${key}`);
    }
  }
}

function field(qb: Where, name: string, spec: unknown, ctx: Context, path: string): void {
  const col = column(ctx.schema, name, ctx.plugin);
  const ops: Record<string, unknown> = isPlainObject(spec) ? spec : { $eq: spec };
  if (Array.isArray(spec)) fail('VALIDATION_ERROR', `${path}: a list needs $in or $nin`);
  const entries = Object.entries(ops);
  if (entries.length === 0) fail('VALIDATION_ERROR', `${path}: no operator`);
  for (const [op, value] of entries) {
    if (++ctx.conditions > LIMITS.filterConditions) {
      fail('VALIDATION_ERROR', `filters: more than ${LIMITS.filterConditions} conditions`);
    }
    const at = `${path}.${op}`;
    const bind = (v: unknown) => {
      if (v === null) fail('VALIDATION_ERROR', `${at}: null needs $eq, $ne or $null`);
      return toDatabase({ ...col, nullable: false }, v, ctx.dialect, at);
    };
    switch (op) {
      case '$eq':
        if (value === null) qb.whereNull(name);
        else qb.where(name, '=', bind(value) as Knex.Value);
        break;
      case '$ne':
        if (value === null) qb.whereNotNull(name);
        else qb.where(name, '<>', bind(value) as Knex.Value);
        break;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        if (col.kind === 'boolean' || col.kind === 'json')
          fail('VALIDATION_ERROR', `${at}: ${name} cannot be ordered`);
        const sql = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' }[op];
        qb.where(name, sql, bind(value) as Knex.Value);
        break;
      }
      case '$in':
      case '$nin': {
        if (!Array.isArray(value)) fail('VALIDATION_ERROR', `${at}: must be a list`);
        const list = value as unknown[];
        if (list.length > LIMITS.inList) fail('VALIDATION_ERROR', `${at}: more than ${LIMITS.inList} values`);
        const bound = list.map((v, i) =>
          toDatabase({ ...col, nullable: false }, v, ctx.dialect, `${at}.${i}`),
        );
        if (op === '$in') qb.whereIn(name, bound as Knex.Value[]);
        else qb.whereNotIn(name, bound as Knex.Value[]);
        break;
      }
      case '$like':
      case '$ilike': {
        if (typeof value !== 'string') fail('VALIDATION_ERROR', `${at}: must be a string pattern`);
        if ((value as string).length > LIMITS.likePattern)
          fail('VALIDATION_ERROR', `${at}: pattern longer than ${LIMITS.likePattern}`);
        if (col.kind !== 'text' && col.kind !== 'any' && col.kind !== 'datetime') {
          fail('VALIDATION_ERROR', `${at}: ${name} is not text`);
        }
        // `\` escapes % and _ in patterns; SQLite runs with case_sensitive_like, so $like matches
        // case exactly on both databases and $ilike ignores (ASCII) case on both.
        if (op === '$like') qb.whereRaw(`?? LIKE ? ESCAPE '\\'`, [name, value as string]);
        else if (ctx.dialect === 'postgresql') qb.whereRaw(`?? ILIKE ? ESCAPE '\\'`, [name, value as string]);
        else qb.whereRaw(`lower(??) LIKE lower(?) ESCAPE '\\'`, [name, value as string]);
        break;
      }
      case '$contains':
        if (col.kind !== 'json') fail('VALIDATION_ERROR', `${at}: ${name} is not a JSON column`);
        contains(qb, ctx, name, scalarOf(value, at));
        break;
      case '$exists':
      case '$null': {
        if (typeof value !== 'boolean') fail('VALIDATION_ERROR', `${at}: must be true or false`);
        const wantsValue = op === '$exists' ? value : !value;
        if (wantsValue) qb.whereNotNull(name);
        else qb.whereNull(name);
        break;
      }
      default:
        fail('UNKNOWN_OPERATOR', `${at}: unknown operator (use ${FIELD_OPERATORS.join(', ')})`);
    }
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
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
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
