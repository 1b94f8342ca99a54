import { CoreTables20261122 } from './20261122-core-tables.js';

/** Rosey's core schema migrations, oldest first. Names are permanent: they are recorded as applied. */
export const CORE_MIGRATIONS = [{ name: '20261122-core-tables', class: CoreTables20261122 }];
