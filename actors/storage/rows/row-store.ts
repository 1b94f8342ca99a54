import type { Knex } from 'knex';
import type { Dialect } from '../../database/open.js';
import { LIMITS } from '../../../contract/messages/storage-limits.js';
import type { AggregateSpec, SortSpec } from '../../../contract/messages/storage.js';
import { fail, fromDatabaseError } from '../../database/storage-error.js';
import { applyFilter, isEmptyFilter } from './filters.js';
import { SchemaCache, type ColumnKind, type TableSchema } from './table-schema.js';
import { buildUpdate } from './updates.js';
import { column, fromDatabase, shape, toDatabase, type Row } from './values.js';

export interface SearchRequest {
  table: string;
  filters?: unknown;
  sort?: SortSpec | SortSpec[];
  limit?: number;
  offset?: number;
  fields?: string[];
  aggregates?: AggregateSpec;
  groupBy?: string[];
}

const ALIAS = /^[a-z_][a-z0-9_]{0,62}$/;
const AGGREGATES = { $count: 'COUNT', $sum: 'SUM', $avg: 'AVG', $min: 'MIN', $max: 'MAX' } as const;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Row operations on a plugin's own tables (`<prefix>__<table>`), checked against the tables' real
 * schema and built with bound parameters only.
 */
export class RowStore {
  readonly schemas: SchemaCache;

  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {
    this.schemas = new SchemaCache(knex, dialect);
  }

  async insert(plugin: string, table: string, data: unknown) {
    return this.run(async () => {
      const schema = await this.schemas.table(plugin, table);
      const batch = Array.isArray(data);
      const rows = (batch ? data : [data]) as unknown[];
      if (rows.length === 0) fail('VALIDATION_ERROR', 'data: an empty list inserts nothing');
      if (rows.length > LIMITS.batchRows)
        fail('VALIDATION_ERROR', `data: more than ${LIMITS.batchRows} rows in one insert`);
      const prepared = rows.map((row, i) =>
        this.prepareRow(schema, plugin, row, batch ? `data.${i}` : 'data'),
      );
      const pk = schema.primaryKey;
      const ids = await this.knex.transaction(async (trx) => {
        const out: unknown[] = [];
        for (const row of prepared) {
          const query = trx(schema.name).insert(row);
          const result = (pk ? await query.returning(pk) : await query) as unknown[];
          if (pk) out.push(shape(schema.columns.get(pk)?.kind, (result[0] as Row)[pk], this.dialect));
        }
        return out;
      });
      if (!pk) return { inserted: prepared.length };
      return batch ? { ids } : { id: ids[0] };
    });
  }

  async select(plugin: string, table: string, id: unknown) {
    return this.run(async () => {
      const schema = await this.schemas.table(plugin, table);
      const pk =
        schema.primaryKey ??
        fail('VALIDATION_ERROR', `${table} has no single-column primary key: use search`);
      if (id === undefined) fail('VALIDATION_ERROR', 'id: required');
      const bound = toDatabase({ ...column(schema, pk, plugin), nullable: false }, id, this.dialect, 'id');
      const row = (await this.knex(schema.name)
        .where(pk, bound as Knex.Value)
        .first()) as Row | undefined;
      if (!row) fail('NOT_FOUND', `${table} has no row with ${pk} ${JSON.stringify(id)}`);
      return { row: fromDatabase(schema, row!, this.dialect) };
    });
  }

  async search(plugin: string, request: SearchRequest) {
    return this.run(async () => {
      const schema = await this.schemas.table(plugin, request.table);
      const limit = request.limit ?? LIMITS.defaultLimit;
      const offset = request.offset ?? 0;
      if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.maxLimit) {
        fail('VALIDATION_ERROR', `limit: a whole number from 1 to ${LIMITS.maxLimit}`);
      }
      if (!Number.isInteger(offset) || offset < 0 || offset > LIMITS.maxOffset) {
        fail('VALIDATION_ERROR', `offset: a whole number from 0 to ${LIMITS.maxOffset}`);
      }
      const qb = this.knex(schema.name);
      applyFilter(qb, request.filters, schema, plugin, this.dialect);
      if (request.aggregates || request.groupBy)
        return this.aggregate(qb, schema, plugin, request, limit, offset);
      const fields = request.fields ?? ['*'];
      if (request.fields) {
        if (!Array.isArray(fields) || fields.length === 0)
          fail('VALIDATION_ERROR', 'fields: a non-empty list of field names');
        for (const f of fields) column(schema, f, plugin);
      }
      qb.select(fields);
      const sort = this.sortSpecs(request.sort);
      for (const s of sort) {
        column(schema, s.field, plugin);
        orderWithNulls(qb, s);
      }
      // A stable order makes paging with offset repeatable.
      if (schema.primaryKey && !sort.some((s) => s.field === schema.primaryKey))
        qb.orderBy(schema.primaryKey, 'asc');
      const rows = (await qb.limit(limit).offset(offset)) as Row[];
      return { rows: rows.map((r) => fromDatabase(schema, r, this.dialect)) };
    });
  }

  async update(
    plugin: string,
    table: string,
    filters: unknown,
    operations: unknown,
    options: { all?: boolean; returning?: boolean },
  ) {
    return this.run(async () => {
      const schema = await this.schemas.table(plugin, table);
      if (isEmptyFilter(filters) && !options.all) {
        fail('VALIDATION_ERROR', 'filters: required (to change every row, send "all": true)');
      }
      const { changes, computed } = buildUpdate(this.knex, operations, schema, plugin, this.dialect);
      const run = async (db: Knex | Knex.Transaction) => {
        const qb = db(schema.name);
        applyFilter(qb, filters, schema, plugin, this.dialect);
        if (options.returning || computed.length > 0) {
          const rows = (await qb.update(changes).returning(options.returning ? '*' : computed)) as Row[];
          checkComputed(schema, computed, rows, this.dialect);
          const updated = { updated: rows.length };
          return options.returning
            ? { ...updated, rows: rows.map((r) => fromDatabase(schema, r, this.dialect)) }
            : updated;
        }
        return { updated: Number(await qb.update(changes)) };
      };
      // A computed result is known only once written: its check undoes the whole statement.
      return computed.length > 0 ? this.knex.transaction(run) : run(this.knex);
    });
  }

  async delete(plugin: string, table: string, filters: unknown, options: { all?: boolean }) {
    return this.run(async () => {
      const schema = await this.schemas.table(plugin, table);
      if (isEmptyFilter(filters) && !options.all) {
        fail('VALIDATION_ERROR', 'filters: required (to delete every row, send "all": true)');
      }
      const qb = this.knex(schema.name);
      applyFilter(qb, filters, schema, plugin, this.dialect);
      return { deleted: Number(await qb.delete()) };
    });
  }

  async count(plugin: string, table: string, filters: unknown) {
    return this.run(async () => {
      const schema = await this.schemas.table(plugin, table);
      const qb = this.knex(schema.name);
      applyFilter(qb, filters, schema, plugin, this.dialect);
      const [row] = (await qb.count({ n: '*' })) as Array<{ n: number | string }>;
      return { count: Number(row?.n ?? 0) };
    });
  }

  private prepareRow(schema: TableSchema, plugin: string, row: unknown, path: string): Row {
    if (!isPlainObject(row)) fail('VALIDATION_ERROR', `${path}: must be an object of field values`);
    const out: Row = {};
    for (const [field, value] of Object.entries(row as Row)) {
      out[field] = toDatabase(column(schema, field, plugin), value, this.dialect, path);
    }
    for (const col of schema.columns.values()) {
      if (!(col.name in out) && !col.nullable && !col.hasDefault)
        fail('VALIDATION_ERROR', `${path}: ${col.name} is required`);
    }
    return out;
  }

  private sortSpecs(sort: SearchRequest['sort']): SortSpec[] {
    if (sort === undefined) return [];
    const list = Array.isArray(sort) ? sort : [sort];
    if (list.length > LIMITS.sortFields)
      fail('VALIDATION_ERROR', `sort: at most ${LIMITS.sortFields} fields`);
    for (const s of list) {
      if (!isPlainObject(s) || typeof s.field !== 'string')
        fail('VALIDATION_ERROR', 'sort: {field, order} or a list of them');
      if (s.order !== undefined && s.order !== 'asc' && s.order !== 'desc')
        fail('VALIDATION_ERROR', 'sort.order: asc or desc');
    }
    return list;
  }

  private async aggregate(
    qb: Knex.QueryBuilder,
    schema: TableSchema,
    plugin: string,
    request: SearchRequest,
    limit: number,
    offset: number,
  ) {
    const groupBy = request.groupBy ?? [];
    if (!Array.isArray(groupBy)) fail('VALIDATION_ERROR', 'groupBy: a list of field names');
    for (const g of groupBy) column(schema, g, plugin);
    const aggregates = request.aggregates ?? {};
    if (!isPlainObject(aggregates))
      fail('VALIDATION_ERROR', 'aggregates: {alias: {$count|$sum|$avg|$min|$max: field}}');
    const kinds = new Map<string, ColumnKind>();
    const columns: Knex.Raw[] = groupBy.map((g) => this.knex.raw('??', [g]));
    for (const [alias, spec] of Object.entries(aggregates)) {
      if (!ALIAS.test(alias) || schema.columns.has(alias))
        fail('VALIDATION_ERROR', `aggregates: ${alias} is not a usable alias`);
      const entries = isPlainObject(spec) ? Object.entries(spec) : [];
      if (entries.length !== 1)
        fail('VALIDATION_ERROR', `aggregates.${alias}: exactly one of $count, $sum, $avg, $min, $max`);
      const [op, target] = entries[0]!;
      const fn =
        AGGREGATES[op as keyof typeof AGGREGATES] ??
        fail('UNKNOWN_OPERATOR', `aggregates.${alias}: unknown operator ${op}`);
      if (op === '$count' && target === '*') {
        columns.push(this.knex.raw('COUNT(*) AS ??', [alias]));
        kinds.set(alias, 'integer');
        continue;
      }
      if (typeof target !== 'string') fail('VALIDATION_ERROR', `aggregates.${alias}: name a field`);
      const col = column(schema, target as string, plugin);
      if ((op === '$sum' || op === '$avg') && col.kind !== 'integer' && col.kind !== 'number') {
        fail('VALIDATION_ERROR', `aggregates.${alias}: ${target} is not a number column`);
      }
      columns.push(this.knex.raw(`${fn}(??) AS ??`, [target, alias]));
      kinds.set(alias, shapeKindFor(op, col.kind));
    }
    if (columns.length === groupBy.length)
      fail('VALIDATION_ERROR', 'aggregates: name at least one aggregate');
    qb.select(columns);
    if (groupBy.length > 0) qb.groupBy(groupBy);
    for (const s of this.sortSpecs(request.sort)) {
      if (!groupBy.includes(s.field) && !kinds.has(s.field))
        fail('UNKNOWN_FIELD', `sort: ${s.field} is neither grouped nor an aggregate`);
      orderWithNulls(qb, s);
    }
    const rows = (await (groupBy.length > 0 ? qb.limit(limit).offset(offset) : qb)) as Row[];
    const shaped = rows.map((row) => {
      const out: Row = {};
      for (const [key, value] of Object.entries(row)) {
        out[key] = kinds.has(key)
          ? shape(kinds.get(key), value, this.dialect)
          : shape(schema.columns.get(key)?.kind, value, this.dialect);
      }
      return out;
    });
    return groupBy.length > 0 ? { groups: shaped } : { aggregates: shaped[0] ?? {} };
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw fromDatabaseError(error);
    }
  }
}

/**
 * Refuses an update whose arithmetic left a column's documented range: an integer column holds
 * whole numbers within ±(2^53 − 1) (what a JavaScript number holds exactly), a number column finite
 * numbers. SQLite would store Inf (read back as null) or a 64-bit integer JavaScript cannot hold;
 * PostgreSQL a BIGINT or NUMERIC beyond them. Thrown inside the update's transaction, so the rows
 * are unchanged.
 */
function checkComputed(schema: TableSchema, computed: string[], rows: Row[], dialect: Dialect): void {
  for (const field of computed) {
    const kind = schema.columns.get(field)?.kind;
    for (const row of rows) {
      const value = shape(kind, row[field], dialect);
      if (value === null) continue;
      const inRange =
        typeof value === 'number' &&
        (kind === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value));
      if (!inRange) {
        const range = kind === 'integer' ? 'a whole number within ±(2^53 − 1)' : 'a finite number';
        fail(
          'VALIDATION_ERROR',
          `operations.${field}: the result ${String(value)} is out of range (${field} holds ${range}); nothing was changed`,
        );
      }
    }
  }
}

/**
 * ORDER BY with NULLs where SQLite puts them by default (first ascending, last descending), said
 * explicitly so PostgreSQL agrees. (knex's own `nulls` option drops the column order on SQLite.)
 */
function orderWithNulls(qb: Knex.QueryBuilder, sort: SortSpec): void {
  const descending = sort.order === 'desc';
  qb.orderByRaw(`?? ${descending ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`, [sort.field]);
}

function shapeKindFor(op: string, kind: ColumnKind): ColumnKind {
  if (op === '$count') return 'integer';
  if (op === '$sum' || op === '$avg') return 'number';
  return kind;
}
