import { expect } from 'chai';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';

const CORE_TABLES = ['rosey_audit', 'rosey_kv', 'rosey_migration_locks', 'rosey_plugin_migrations'];

forEachDatabase("Rosey's core migration, up and down", (kind) => {
  let db: Database;
  beforeEach(async () => {
    db = await openDatabase(await freshDatabase(kind));
  });
  afterEach(async () => {
    await db.close();
  });

  const tables = async () => {
    const rows = (await db.knex.raw(
      kind === 'sqlite'
        ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rosey\\_%' ESCAPE '\\' ORDER BY name"
        : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'rosey\\_%' ORDER BY table_name",
    )) as Array<{ name: string }> | { rows: Array<{ name: string }> };
    return (Array.isArray(rows) ? rows : rows.rows)
      .map((r) => r.name)
      .filter((name) => CORE_TABLES.includes(name));
  };

  it('creates the core tables, and its down drops every one of them', async () => {
    expect(await tables()).to.deep.equal(CORE_TABLES);
    await db.orm.getMigrator().down();
    expect(await tables()).to.deep.equal([]);
  });
});
