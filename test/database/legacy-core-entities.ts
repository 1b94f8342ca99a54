import { defineEntity, p } from '@mikro-orm/core';

/**
 * Rosey's own tables, as MikroORM entities (defined without decorators: nothing here depends on
 * emitted type metadata). Their schema is created and changed only by the migrations in
 * core-migrations/; a test checks these definitions and the migrated schema agree.
 */

/** One key of one plugin's key-value store. `value` is JSON text; times are epoch ms. */
export const KvEntry = defineEntity({
  name: 'KvEntry',
  tableName: 'rosey_kv',
  properties: {
    namespace: p.string().length(64).primary(),
    key: p.string().length(255).primary(),
    value: p.text(),
    expiresAt: p.bigint('number').nullable().index('rosey_kv_expires_at_index'),
    updatedAt: p.bigint('number'),
  },
});

/** One attempt to apply or roll back one plugin migration (the history is append-only). */
export const PluginMigrationEvent = defineEntity({
  name: 'PluginMigrationEvent',
  tableName: 'rosey_plugin_migrations',
  indexes: [{ properties: ['plugin', 'version'], name: 'rosey_plugin_migrations_plugin_version_index' }],
  properties: {
    id: p.integer().primary().autoincrement(),
    plugin: p.string().length(64),
    version: p.integer(),
    name: p.string().length(255),
    checksum: p.string().length(64),
    action: p.string().length(16),
    status: p.string().length(16),
    actor: p.string().length(100),
    at: p.bigint('number'),
    durationMs: p.integer(),
    error: p.text().nullable(),
  },
});

/** Held while a plugin's migrations run, so two runs (two processes, even) cannot interleave. */
export const MigrationLock = defineEntity({
  name: 'MigrationLock',
  tableName: 'rosey_migration_locks',
  properties: {
    plugin: p.string().length(64).primary(),
    holder: p.string().length(100),
    acquiredAt: p.bigint('number'),
    expiresAt: p.bigint('number'),
  },
});

/** Things operators may need to trace later: migrations applied and rolled back, admin actions. */
export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'rosey_audit',
  indexes: [{ properties: ['at'], name: 'rosey_audit_at_index' }],
  properties: {
    id: p.integer().primary().autoincrement(),
    at: p.bigint('number'),
    actor: p.string().length(100),
    action: p.string().length(64),
    target: p.string().length(255),
    detail: p.text(),
  },
});

export const CORE_ENTITIES = [KvEntry, PluginMigrationEvent, MigrationLock, AuditEvent];
