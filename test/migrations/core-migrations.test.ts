import { expect } from 'chai';
import { revertCoreMigrations } from '../../actors/database/core-migrations/core-migrator.js';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';
import { tableNamesLike } from './table-names.js';

const CORE_TABLES = ['rosey_audit', 'rosey_kv', 'rosey_migration_locks', 'rosey_plugin_migrations'];

forEachDatabase("Rosey's core migration, up and down", (kind) => {
  let db: Database;
  beforeEach(async () => {
    db = await openDatabase(await freshDatabase(kind));
  });
  afterEach(async () => {
    await db.close();
  });

  const tables = async () =>
    (await tableNamesLike(db, kind, 'rosey\\_%')).filter((name) => CORE_TABLES.includes(name));

  it('creates the core tables, and its down drops every one of them', async () => {
    expect(await tables()).to.deep.equal(CORE_TABLES);
    await revertCoreMigrations(db.knex);
    expect(await tables()).to.deep.equal([]);
  });
});
