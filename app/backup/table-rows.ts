/**
 * Rosey's tables as rows, read from one consistent view of the database and written back: the
 * portable part of a backup. Values are encoded so both dialects read them back the same:
 * PostgreSQL's bigints (strings from node-pg) become numbers when they fit, JSON columns become
 * their JSON text (node-pg would otherwise send an array back as a PostgreSQL array literal), dates
 * ISO strings, bytes `{"$base64": …}`.
 */
import type { Knex } from 'knex';
import type { Dialect } from '../../actors/database/open.js';
import { EXCLUDED_TABLES } from './backup-format.js';

export interface TableInfo {
  name: string;
  columns: string[];
  /** Primary key columns, to read rows in a stable order; empty: every column. */
  primaryKey: string[];
}

export type CellValue = null | number | string | boolean | { $base64: string };

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Rosey's tables (core and plugin ones) in `knex`'s database, sorted by name. */
export async function listTables(knex: Knex | Knex.Transaction, dialect: Dialect): Promise<TableInfo[]> {
  const names =
    dialect === 'sqlite'
      ? ((await knex.raw(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )) as Array<{ name: string }>)
      : (
          (await knex.raw(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
          )) as { rows: Array<{ name: string }> }
        ).rows;
  const tables: TableInfo[] = [];
  for (const { name } of names) {
    if (EXCLUDED_TABLES.has(name)) continue;
    tables.push({ name, ...(await columnsOf(knex, dialect, name)) });
  }
  return tables.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function columnsOf(
  knex: Knex | Knex.Transaction,
  dialect: Dialect,
  table: string,
): Promise<Omit<TableInfo, 'name'>> {
  if (dialect === 'sqlite') {
    const info = (await knex.raw(`PRAGMA table_info(${quote(table)})`)) as Array<{
      name: string;
      pk: number;
    }>;
    return {
      columns: info.map((c) => c.name),
      primaryKey: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
    };
  }
  const columns = (
    (await knex.raw(
      'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
      [table],
    )) as { rows: Array<{ name: string }> }
  ).rows.map((r) => r.name);
  const primaryKey = (
    (await knex.raw(
      `SELECT a.attname AS name FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident(?))::regclass AND i.indisprimary
        ORDER BY array_position(i.indkey, a.attnum)`,
      [table],
    )) as { rows: Array<{ name: string }> }
  ).rows.map((r) => r.name);
  return { columns, primaryKey };
}

/** node-pg's type ids that need converting (pg_type OIDs). */
const PG_INT8 = 20;
const PG_JSON = 114;
const PG_JSONB = 3802;

/** One database value as it is written to the archive. */
function encode(value: unknown, pgType?: number): CellValue {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return { $base64: value.toString('base64') };
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (pgType === PG_INT8 && typeof value === 'string') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (pgType === PG_JSON || pgType === PG_JSONB) return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** An archived value as `dialect` takes it as a query binding. */
export function decode(value: CellValue, dialect: Dialect): Knex.Value {
  if (value === null) return null;
  if (typeof value === 'object') return Buffer.from(value.$base64, 'base64');
  // better-sqlite3 binds no booleans; SQLite keeps them as 0 and 1 anyway.
  if (typeof value === 'boolean' && dialect === 'sqlite') return value ? 1 : 0;
  return value;
}

/** How many rows a page reads: bounded memory for any table size. */
const PAGE_ROWS = 1000;

/**
 * Every row of `table`, page by page, in primary-key order (every column for a table without
 * one), as arrays in `table.columns` order. `knex` must be one consistent view: a SQLite snapshot
 * file, or a PostgreSQL REPEATABLE READ transaction (where a cursor reads the table).
 */
export async function* readRows(
  knex: Knex | Knex.Transaction,
  dialect: Dialect,
  table: TableInfo,
): AsyncGenerator<CellValue[][]> {
  const order = (table.primaryKey.length > 0 ? table.primaryKey : table.columns).map(quote).join(', ');
  const select = `SELECT ${table.columns.map(quote).join(', ')} FROM ${quote(table.name)} ORDER BY ${order}`;
  if (dialect === 'sqlite') {
    // The snapshot file changes no more: LIMIT/OFFSET pages see the same rows.
    for (let offset = 0; ; offset += PAGE_ROWS) {
      const rows = (await knex.raw(`${select} LIMIT ${PAGE_ROWS} OFFSET ${offset}`)) as Array<
        Record<string, unknown>
      >;
      if (rows.length === 0) return;
      yield rows.map((row) => table.columns.map((c) => encode(row[c])));
      if (rows.length < PAGE_ROWS) return;
    }
  }
  const cursor = `rosey_backup_${table.name}`;
  await knex.raw(`DECLARE ${quote(cursor)} NO SCROLL CURSOR FOR ${select}`);
  try {
    for (;;) {
      const result = (await knex.raw(`FETCH ${PAGE_ROWS} FROM ${quote(cursor)}`)) as {
        rows: Array<Record<string, unknown>>;
        fields: Array<{ name: string; dataTypeID: number }>;
      };
      if (result.rows.length === 0) return;
      const types = new Map(result.fields.map((f) => [f.name, f.dataTypeID]));
      yield result.rows.map((row) => table.columns.map((c) => encode(row[c], types.get(c))));
      if (result.rows.length < PAGE_ROWS) return;
    }
  } finally {
    await knex.raw(`CLOSE ${quote(cursor)}`);
  }
}

/** Inserts archived rows into `table`, in batches under SQLite's bound-parameter limit. */
export async function insertRows(
  trx: Knex.Transaction,
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: readonly CellValue[][],
): Promise<void> {
  const perBatch = Math.max(1, Math.floor(900 / columns.length));
  for (let i = 0; i < rows.length; i += perBatch) {
    const batch = rows.slice(i, i + perBatch).map((row) => {
      const record: Record<string, Knex.Value> = {};
      columns.forEach((c, j) => (record[c] = decode(row[j] ?? null, dialect)));
      return record;
    });
    await trx(table).insert(batch);
  }
}

/**
 * After rows were inserted with their own ids, PostgreSQL's serial sequences still start at 1:
 * each is moved past the largest id, so the next insert does not collide. (SQLite's AUTOINCREMENT
 * follows explicit ids on its own.)
 */
export async function resetSequences(trx: Knex.Transaction, table: string, columns: readonly string[]) {
  for (const column of columns) {
    const found = (await trx.raw('SELECT pg_get_serial_sequence(?, ?) AS seq', [quote(table), column])) as {
      rows: Array<{ seq: string | null }>;
    };
    if (!found.rows[0]?.seq) continue;
    await trx.raw(
      `SELECT setval(?::regclass, COALESCE(MAX(${quote(column)}), 1), MAX(${quote(column)}) IS NOT NULL) FROM ${quote(table)}`,
      [found.rows[0].seq],
    );
  }
}

export { quote as quoteIdentifier };
