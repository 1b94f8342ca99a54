import type { Knex } from 'knex';
import type { Dialect } from '../../database/open.js';
import { fail } from '../../database/storage-error.js';
import type { TableSchema } from './table-schema.js';
import { column, toDatabase } from './values.js';

export const UPDATE_OPERATORS = ['$set', '$inc', '$dec', '$mul', '$max', '$min'] as const;

/** PostgreSQL's number types, the only ones a `$set` value is cast to (never SQL from elsewhere). */
const PG_NUMBER_TYPES = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric']);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The SET clause of an update, and the fields whose new value is computed ($inc, $dec, $mul). */
export interface UpdatePlan {
  changes: Record<string, Knex.Raw>;
  /**
   * Fields whose result can leave the column's range although every operand is in it (`$mul 1e308`
   * of 1e308 is Infinity, `$inc` past 2^53 − 1): the update reads them back and is undone if so.
   */
  computed: string[];
}

/**
 * `{score: {$inc: 1, $max: -100, $min: 100}}` → `score = MIN(MAX(COALESCE(score,0) + 1, …), …)`:
 * every field's new value is one SQL expression of its old value, so the whole update is one atomic
 * statement. Operators on one field apply in a fixed order: $set, $inc, $dec, $mul, $max, $min.
 * A bare value is `$set`. Arithmetic treats NULL as 0, $max/$min treat NULL as absent.
 */
export function buildUpdate(
  knex: Knex,
  operations: unknown,
  schema: TableSchema,
  plugin: string,
  dialect: Dialect,
): UpdatePlan {
  if (!isPlainObject(operations) || Object.keys(operations).length === 0) {
    fail('VALIDATION_ERROR', 'operations: must name at least one field to change');
  }
  const changes: Record<string, Knex.Raw> = {};
  const computed: string[] = [];
  for (const [name, spec] of Object.entries(operations as Record<string, unknown>)) {
    if (name.startsWith('$'))
      fail('VALIDATION_ERROR', `operations: ${name} goes inside a field, e.g. {"score": {"${name}": 1}}`);
    const col = column(schema, name, plugin);
    const ops =
      isPlainObject(spec) && Object.keys(spec).some((k) => k.startsWith('$')) ? spec : { $set: spec };
    for (const op of Object.keys(ops)) {
      if (!(UPDATE_OPERATORS as readonly string[]).includes(op)) {
        fail(
          'UNKNOWN_OPERATOR',
          `operations.${name}: unknown operator ${op} (use ${UPDATE_OPERATORS.join(', ')})`,
        );
      }
    }
    let sql = '??';
    const bindings: unknown[] = [name];
    const path = `operations.${name}`;
    const numeric = (op: string, v: unknown) => {
      if (col.kind !== 'integer' && col.kind !== 'number')
        fail('VALIDATION_ERROR', `${path}.${op}: ${name} is not a number column`);
      return toDatabase({ ...col, nullable: false }, v, dialect, `${path}.${op}`);
    };
    if ('$set' in ops) {
      // A bare parameter has no type in PostgreSQL: under COALESCE(?, 0) it became an integer
      // (`$set: 0.5` with `$inc` failed), under GREATEST(COALESCE(?, ?), ?) text. So a number
      // column's value is cast to the column's own type (pgType is known on PostgreSQL only).
      sql = PG_NUMBER_TYPES.has(col.pgType ?? '') ? `CAST(? AS ${col.pgType})` : '?';
      bindings.splice(0, 1, toDatabase(col, ops.$set, dialect, `${path}.$set`));
    }
    for (const [op, symbol] of [
      ['$inc', '+'],
      ['$dec', '-'],
      ['$mul', '*'],
    ] as const) {
      if (op in ops) {
        sql = `(COALESCE(${sql}, 0) ${symbol} ?)`;
        bindings.push(numeric(op, ops[op]));
        if (!computed.includes(name)) computed.push(name);
      }
    }
    for (const [op, sqliteFn, pgFn] of [
      ['$max', 'MAX', 'GREATEST'],
      ['$min', 'MIN', 'LEAST'],
    ] as const) {
      if (op in ops) {
        const bound = numeric(op, ops[op]);
        sql = `${dialect === 'sqlite' ? sqliteFn : pgFn}(COALESCE(${sql}, ?), ?)`;
        bindings.push(bound, bound);
      }
    }
    changes[name] = knex.raw(sql, bindings as Knex.RawBinding[]);
  }
  return { changes, computed };
}
