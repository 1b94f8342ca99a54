import { coreTables20261122 } from './20261122-core-tables.js';
import type { CoreMigration } from './core-migration.js';

/** Rosey's core schema migrations, oldest first. Names are permanent: they are recorded as applied. */
export const CORE_MIGRATIONS: readonly CoreMigration[] = [coreTables20261122];
