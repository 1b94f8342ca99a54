import type { Knex } from 'knex';

/**
 * One core schema migration: its permanent name (recorded as applied) and the schema builders
 * that make and undo it, each run as the SQL statements it compiles to (core-migrator.ts).
 */
export interface CoreMigration {
  name: string;
  up(knex: Knex | Knex.Transaction): Knex.SchemaBuilder[];
  down(knex: Knex | Knex.Transaction): Knex.SchemaBuilder[];
}
