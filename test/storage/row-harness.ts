import { openDatabase, type Database } from '../../actors/database/open.js';
import { StorageService } from '../../actors/storage/storage-service.js';
import type { RowOp } from '../../contract/messages/storage.js';
import type { Result } from '../../contract/result.js';
import { freshDatabase, type DatabaseKind } from '../support/databases.js';
import type { Column, Kind } from './row-model.js';

/** The plugin whose tables these tests create (`prop__<table>`). */
export const PLUGIN = 'prop';

/**
 * Storage's request handler (what the storage actor runs for each bus request: payload schema,
 * checks, SQL) on a fresh database in this process, with tables the test declares itself.
 */
export interface RowHarness {
  db: Database;
  service: StorageService;
  row(op: RowOp, payload: unknown): Promise<Result<unknown>>;
  /** Creates `prop__<table>` with an `id INTEGER PRIMARY KEY` and the columns. */
  createTable(table: string, columns: Column[]): Promise<void>;
  dropTable(table: string): Promise<void>;
  /** Every row, by id, as storage returns them. */
  rows(table: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

const TYPES: Record<Kind, Record<DatabaseKind, string>> = {
  integer: { sqlite: 'INTEGER', postgresql: 'BIGINT' },
  number: { sqlite: 'REAL', postgresql: 'DOUBLE PRECISION' },
  text: { sqlite: 'TEXT', postgresql: 'TEXT' },
  boolean: { sqlite: 'BOOLEAN', postgresql: 'BOOLEAN' },
  json: { sqlite: 'JSON', postgresql: 'JSONB' },
};

export async function openRowHarness(kind: DatabaseKind): Promise<RowHarness> {
  const db = await openDatabase(await freshDatabase(kind));
  const service = new StorageService(db);
  const row = (op: RowOp, payload: unknown) =>
    service.handle({ tier: 'row', op, namespace: PLUGIN, payload });
  return {
    db,
    service,
    row,
    createTable: async (table, columns) => {
      const defs = columns.map((c) => `${c.name} ${TYPES[c.kind][kind]}${c.nullable ? '' : ' NOT NULL'}`);
      await db.knex.raw(`CREATE TABLE ${PLUGIN}__${table} (id INTEGER PRIMARY KEY, ${defs.join(', ')})`);
    },
    dropTable: async (table) => {
      await db.knex.raw(`DROP TABLE ${PLUGIN}__${table}`);
    },
    rows: async (table) => {
      const reply = await row('search', { table, limit: 1000, sort: { field: 'id' } });
      if (!reply.ok) throw new Error(`reading ${table}: ${reply.error.message}`);
      return (reply.data as { rows: Array<Record<string, unknown>> }).rows;
    },
    close: () => db.close(),
  };
}
