import type { Knex } from 'knex';
import type { CoreMigration } from './core-migration.js';
import { CORE_MIGRATIONS } from './index.js';

export type { CoreMigration };

/**
 * Where applied core migrations are recorded. Its shape is MikroORM's migration table, which
 * created it until issue 16, so a database made by an earlier Rosey reads the same.
 */
export const CORE_MIGRATIONS_TABLE = 'rosey_core_migrations';

async function ensureTable(db: Knex | Knex.Transaction): Promise<void> {
  if (await db.schema.hasTable(CORE_MIGRATIONS_TABLE)) return;
  await db.schema.createTable(CORE_MIGRATIONS_TABLE, (t) => {
    t.increments();
    t.string('name');
    t.dateTime('executed_at').defaultTo(db.fn.now());
  });
}

/** Names of the core migrations recorded as applied, oldest first. */
export async function executedCoreMigrations(db: Knex | Knex.Transaction): Promise<string[]> {
  if (!(await db.schema.hasTable(CORE_MIGRATIONS_TABLE))) return [];
  const rows = (await db(CORE_MIGRATIONS_TABLE).select('name').orderBy('id')) as Array<{ name: string }>;
  return rows.map((row) => row.name);
}

/** A schema builder can compile to several statements (a table, then its indexes): run each. */
async function run(db: Knex | Knex.Transaction, builders: Knex.SchemaBuilder[]): Promise<void> {
  for (const builder of builders) {
    const compiled = builder.toSQL();
    for (const { sql, bindings } of Array.isArray(compiled) ? compiled : [compiled])
      await db.raw(sql, bindings ?? []);
  }
}

/**
 * Applies the core migrations not recorded yet, oldest first, and returns their names. On
 * PostgreSQL all of them in one transaction; on SQLite in the caller's (the `BEGIN IMMEDIATE` that
 * is the cross-process lock, core-migrations/lock.ts), on knex's single connection.
 */
export async function applyCoreMigrations(knex: Knex, dialect: 'sqlite' | 'postgresql'): Promise<string[]> {
  const apply = async (db: Knex | Knex.Transaction) => {
    await ensureTable(db);
    const done = new Set(await executedCoreMigrations(db));
    const pending = CORE_MIGRATIONS.filter((migration) => !done.has(migration.name));
    for (const migration of pending) {
      await run(db, migration.up(db));
      await db(CORE_MIGRATIONS_TABLE).insert({ name: migration.name });
    }
    return pending.map((migration) => migration.name);
  };
  return dialect === 'postgresql' ? knex.transaction(apply) : apply(knex);
}

/** Undoes every applied core migration, newest first (tests of the migrations' `down`). */
export async function revertCoreMigrations(knex: Knex): Promise<void> {
  const executed = await executedCoreMigrations(knex);
  for (const name of executed.reverse()) {
    const migration = CORE_MIGRATIONS.find((m) => m.name === name);
    if (!migration) throw new Error(`unknown core migration ${name}`);
    await knex.transaction(async (trx) => {
      await run(trx, migration.down(trx));
      await trx(CORE_MIGRATIONS_TABLE).where({ name }).delete();
    });
  }
}
