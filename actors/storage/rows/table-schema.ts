import type { Knex } from 'knex';
import type { Dialect } from '../../database/open.js';
import { namespacePrefix } from '../../../contract/messages/storage.js';
import { fail } from '../../database/storage-error.js';

/** How a column's values are checked on the way in and shaped on the way out. */
export type ColumnKind = 'integer' | 'number' | 'text' | 'boolean' | 'json' | 'datetime' | 'any';

export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  hasDefault: boolean;
  /** PostgreSQL only: the column's base type (`udt_name`: `int8`, `float8`, `numeric`, …). */
  pgType?: string;
}

export interface TableSchema {
  /** The table's real name (`quote_db__quotes`). */
  name: string;
  columns: Map<string, ColumnInfo>;
  /** The single-column primary key, when the table has one. */
  primaryKey?: string;
}

/** Table names as plugins write them in requests: the part after the namespace prefix. */
export const TABLE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Declared column types → how Rosey treats the values (SQLite type affinity, PostgreSQL types). */
export function columnKind(declared: string): ColumnKind {
  const t = declared.toUpperCase();
  if (t === '') return 'any';
  if (/BOOL/.test(t)) return 'boolean';
  if (/JSON/.test(t)) return 'json';
  if (/TIMESTAMP|DATE|TIME/.test(t)) return 'datetime';
  if (/INT|SERIAL/.test(t)) return 'integer';
  if (/CHAR|CLOB|TEXT|UUID/.test(t)) return 'text';
  if (/REAL|FLOA|DOUB|NUMERIC|DECIMAL/.test(t)) return 'number';
  return 'any';
}

/**
 * The schema of a plugin's tables, read from the database itself (so requests are checked against
 * what the migrations really created) and cached until the plugin's schema changes.
 */
export class SchemaCache {
  private readonly tables = new Map<string, TableSchema>();

  constructor(
    private readonly knex: Knex,
    private readonly dialect: Dialect,
  ) {}

  /** `quotes` of plugin `quote-db` → the schema of `quote_db__quotes`, or UNKNOWN_TABLE. */
  async table(plugin: string, table: unknown): Promise<TableSchema> {
    if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
      fail(
        'VALIDATION_ERROR',
        'table: lower-case letters, digits and _ (starting with a letter, at most 63)',
      );
    }
    const name = `${namespacePrefix(plugin)}${table as string}`;
    const cached = this.tables.get(name);
    if (cached) return cached;
    const schema = await this.read(name);
    if (!schema) fail('UNKNOWN_TABLE', `${plugin} has no table ${table as string}`);
    this.tables.set(name, schema!);
    return schema!;
  }

  /** Forget a plugin's tables (after its migrations ran). */
  invalidate(plugin: string): void {
    const prefix = namespacePrefix(plugin);
    for (const name of [...this.tables.keys()]) if (name.startsWith(prefix)) this.tables.delete(name);
  }

  private async read(name: string): Promise<TableSchema | undefined> {
    return this.dialect === 'sqlite' ? this.readSqlite(name) : this.readPostgres(name);
  }

  private async readSqlite(name: string): Promise<TableSchema | undefined> {
    const exists = (await this.knex.raw(
      `SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?`,
      [name],
    )) as unknown[];
    if (exists.length === 0) return undefined;
    const rows = (await this.knex.raw(
      'SELECT name, type, "notnull" AS not_null, dflt_value, pk FROM pragma_table_info(?)',
      [name],
    )) as Array<{ name: string; type: string; not_null: number; dflt_value: unknown; pk: number }>;
    const pk = rows.filter((r) => r.pk > 0);
    const columns = new Map<string, ColumnInfo>();
    for (const r of rows) {
      // An INTEGER PRIMARY KEY is the rowid: assigned when omitted, so it has a default.
      const rowid = r.pk > 0 && pk.length === 1 && r.type.toUpperCase() === 'INTEGER';
      columns.set(r.name, {
        name: r.name,
        kind: columnKind(r.type),
        nullable: r.not_null === 0 && r.pk === 0,
        hasDefault: r.dflt_value !== null || rowid,
      });
    }
    return { name, columns, primaryKey: pk.length === 1 ? pk[0]!.name : undefined };
  }

  private async readPostgres(name: string): Promise<TableSchema | undefined> {
    const result = (await this.knex.raw(
      `SELECT column_name, data_type, udt_name, is_nullable, column_default, is_identity
         FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ?
        ORDER BY ordinal_position`,
      [name],
    )) as {
      rows: Array<{
        column_name: string;
        data_type: string;
        udt_name: string;
        is_nullable: string;
        column_default: unknown;
        is_identity: string;
      }>;
    };
    if (result.rows.length === 0) return undefined;
    const pk = (await this.knex.raw(
      `SELECT a.attname AS name
         FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = (quote_ident(current_schema()) || '.' || quote_ident(?))::regclass AND i.indisprimary`,
      [name],
    )) as { rows: Array<{ name: string }> };
    const columns = new Map<string, ColumnInfo>();
    for (const r of result.rows) {
      columns.set(r.column_name, {
        name: r.column_name,
        kind: columnKind(r.data_type),
        nullable: r.is_nullable === 'YES',
        hasDefault: r.column_default !== null || r.is_identity === 'YES',
        pgType: r.udt_name,
      });
    }
    return { name, columns, primaryKey: pk.rows.length === 1 ? pk.rows[0]!.name : undefined };
  }
}
