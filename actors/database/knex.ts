/**
 * knex, for actors/database/open.ts: the package, and two parts of it that it does not export. The
 * build replaces the compiled file with a single-file bundle of the same (scripts/bundle-vendor.mjs):
 * one module instead of about 340 (lodash one function a file among them), which every start of
 * Rosey loaded to open its database (docs/benchmarks.md, issue 16). The database drivers are not
 * in it: knex loads its dialect's own. Both parts come from the same copy of knex as the package,
 * which they are used with.
 */
import { createRequire } from 'node:module';
import knex from 'knex';

export default knex;
export type { Knex } from 'knex';

const require = createRequire(import.meta.url);

/** The part of knex's client that runs a query. */
export interface QueryClient {
  query(connection: unknown, query: string | { sql: string; bindings?: unknown[] }): Promise<unknown>;
  emit(event: 'query', data: object): void;
}
type QueryClientClass = new (config: object) => QueryClient;
type ExecuteQuery = (connection: unknown, query: { sql: string }, client: unknown) => Promise<unknown>;

/** knex's own query executor, and its PostgreSQL client (knex/lib: knex has no export of either). */
export const { executeQuery } = require('knex/lib/execution/internal/query-executioner.js') as {
  executeQuery: ExecuteQuery;
};
export const KnexPgClient = require('knex/lib/dialects/postgres/index.js') as QueryClientClass;
