import type { CoreMigration } from './core-migration.js';

/**
 * Rosey's first core schema: plugin key-value store, plugin migration history and locks, audit
 * log. Written with the knex schema builder so the same migration runs on SQLite and PostgreSQL.
 * (Shipped as a MikroORM migration class whose statements were these builders' SQL: unchanged.)
 */
export const coreTables20261122: CoreMigration = {
  name: '20261122-core-tables',
  up: (knex) => [
    knex.schema.createTable('rosey_kv', (t) => {
      t.string('namespace', 64).notNullable();
      t.string('key', 255).notNullable();
      t.text('value').notNullable();
      t.bigInteger('expires_at').nullable();
      t.bigInteger('updated_at').notNullable();
      t.primary(['namespace', 'key']);
      t.index(['expires_at'], 'rosey_kv_expires_at_index');
    }),
    knex.schema.createTable('rosey_plugin_migrations', (t) => {
      t.increments('id').primary();
      t.string('plugin', 64).notNullable();
      t.integer('version').notNullable();
      t.string('name', 255).notNullable();
      t.string('checksum', 64).notNullable();
      t.string('action', 16).notNullable();
      t.string('status', 16).notNullable();
      t.string('actor', 100).notNullable();
      t.bigInteger('at').notNullable();
      t.integer('duration_ms').notNullable();
      t.text('error').nullable();
      t.index(['plugin', 'version'], 'rosey_plugin_migrations_plugin_version_index');
    }),
    knex.schema.createTable('rosey_migration_locks', (t) => {
      t.string('plugin', 64).notNullable().primary();
      t.string('holder', 100).notNullable();
      t.bigInteger('acquired_at').notNullable();
      t.bigInteger('expires_at').notNullable();
    }),
    knex.schema.createTable('rosey_audit', (t) => {
      t.increments('id').primary();
      t.bigInteger('at').notNullable();
      t.string('actor', 100).notNullable();
      t.string('action', 64).notNullable();
      t.string('target', 255).notNullable();
      t.text('detail').notNullable();
      t.index(['at'], 'rosey_audit_at_index');
    }),
  ],
  down: (knex) =>
    ['rosey_audit', 'rosey_migration_locks', 'rosey_plugin_migrations', 'rosey_kv'].map((table) =>
      knex.schema.dropTable(table),
    ),
};
