import type { Database } from '../../actors/database/open.js';
import type { DatabaseKind } from '../support/databases.js';

/**
 * The names of the tables of the current schema that match a SQL `LIKE` pattern (`\` escapes a
 * `_` or `%`), in name order: what a migration created or dropped, read from the database itself.
 */
export async function tableNamesLike(db: Database, kind: DatabaseKind, pattern: string): Promise<string[]> {
  const rows = (await db.knex.raw(
    kind === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\' ORDER BY name"
      : 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE ? ORDER BY table_name',
    [pattern],
  )) as Array<{ name: string }> | { rows: Array<{ name: string }> };
  return (Array.isArray(rows) ? rows : rows.rows).map((r) => r.name);
}
