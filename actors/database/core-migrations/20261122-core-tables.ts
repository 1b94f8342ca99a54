import { Migration } from '@mikro-orm/migrations';

/**
 * Rosey's first core schema: plugin key-value store, plugin migration history and locks, audit
 * log. Written with the knex schema builder so the same migration runs on SQLite and PostgreSQL.
 */
export class CoreTables20261122 extends Migration {
  override async up(): Promise<void> {
    this.add(
      this.schema().createTable('rosey_kv', (t) => {
        t.string('namespace', 64).notNullable();
        t.string('key', 255).notNullable();
        t.text('value').notNullable();
        t.bigInteger('expires_at').nullable();
        t.bigInteger('updated_at').notNullable();
        t.primary(['namespace', 'key']);
        t.index(['expires_at'], 'rosey_kv_expires_at_index');
      }),
    );
    this.add(
      this.schema().createTable('rosey_plugin_migrations', (t) => {
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
    );
    this.add(
      this.schema().createTable('rosey_migration_locks', (t) => {
        t.string('plugin', 64).notNullable().primary();
        t.string('holder', 100).notNullable();
        t.bigInteger('acquired_at').notNullable();
        t.bigInteger('expires_at').notNullable();
      }),
    );
    this.add(
      this.schema().createTable('rosey_audit', (t) => {
        t.increments('id').primary();
        t.bigInteger('at').notNullable();
        t.string('actor', 100).notNullable();
        t.string('action', 64).notNullable();
        t.string('target', 255).notNullable();
        t.text('detail').notNullable();
        t.index(['at'], 'rosey_audit_at_index');
      }),
    );
  }

  override async down(): Promise<void> {
    for (const table of ['rosey_audit', 'rosey_migration_locks', 'rosey_plugin_migrations', 'rosey_kv']) {
      this.add(this.schema().dropTable(table));
    }
  }

  /** A fresh builder per statement group: one builder accumulates everything it was asked. */
  private schema() {
    return this.getKnex().schema;
  }

  /** A schema builder can produce several statements (table, then indexes): add each one. */
  private add(builder: { toSQL(): Array<{ sql: string }> | { sql: string } }): void {
    const statements = builder.toSQL();
    for (const { sql } of Array.isArray(statements) ? statements : [statements]) this.addSql(sql);
  }
}
