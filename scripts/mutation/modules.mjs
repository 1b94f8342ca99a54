/**
 * The core modules of the mutation run, and the one place that says which tests each is run against:
 * the compiled test files that exercise it (paths in dist/, since the tests run compiled).
 *
 * Each mutant runs against only the tests that reached it in Stryker's first run (`perTest`
 * coverage), including what those tests ran in the database worker thread (scripts/mutation/
 * preload.mjs hands that coverage back). Code that runs only in a child process (the CLI tests)
 * counts as not covered: those tests are not in the lists. A killed mutant's run stops at its first
 * failing test, in the order listed here: fast tests first.
 */
export const MODULES = {
  supervisors: {
    mutate: ['supervisors/**/*.ts'],
    tests: ['dist/test/supervisors/**/*.test.js'],
  },
  router: {
    mutate: ['actors/router/parse-command.ts', 'actors/router/registry.ts', 'actors/router/cooldowns.ts'],
    tests: ['dist/test/router/**/*.test.js'],
  },
  storage: {
    mutate: [
      'actors/storage/rows/filters.ts',
      'actors/storage/rows/updates.ts',
      'actors/storage/rows/values.ts',
      'actors/storage/kv-store.ts',
    ],
    tests: ['dist/test/storage/**/*.test.js'],
  },
  migrator: {
    mutate: [
      'actors/migrator/*.ts',
      '!actors/migrator/sql-validator.ts',
      '!actors/migrator/sql-statements.ts',
      'actors/database/core-migrations/*.ts',
    ],
    tests: [
      'dist/test/migrations/**/*.test.js',
      'dist/test/migrator/migration-file.test.js',
      'dist/test/database/core-migration-lock.test.js',
      'dist/test/database/concurrent-open.test.js',
      'dist/test/storage/migrations.test.js',
      'dist/test/plugins/builtin-migrations.test.js',
      'dist/test/plugins/quote-db-migrations.test.js',
    ],
  },
  // The migrator's check of plugin SQL (namespace, statement kinds, dialect): on its own, as it is
  // two thirds of the migrator's mutants.
  'sql-validator': {
    mutate: ['actors/migrator/sql-validator.ts', 'actors/migrator/sql-statements.ts'],
    tests: [
      'dist/test/migrator/sql-*.test.js',
      'dist/test/migrations/**/*.test.js',
      'dist/test/storage/migrations.test.js',
    ],
  },
  packages: {
    mutate: [
      'plugin-packages/*.ts',
      '!plugin-packages/scaffold.ts',
      '!plugin-packages/plugin-switches.ts',
      '!plugin-packages/package-error.ts',
    ],
    tests: ['dist/test/plugin-packages/**/*.test.js'],
  },
  permissions: {
    mutate: [
      'actors/nats-server/plugin-users.ts',
      'actors/nats-server/credentials.ts',
      'contract/capabilities.ts',
    ],
    tests: [
      'dist/test/bus/plugin-users.test.js',
      'dist/test/contract/capabilities.test.js',
      'dist/test/plugins/permissions.test.js',
      'dist/test/security/**/*.test.js',
    ],
  },
  'blue-green': {
    mutate: ['actors/plugin-manager/blue-green.machine.ts', 'actors/plugin-manager/reload-requests.ts'],
    // The machine's own tests (test/plugins/reload.test.ts runs whole reloads with real plugin
    // processes: minutes per mutant, and it imports neither file).
    tests: ['dist/test/plugins/blue-green*.test.js'],
  },
};
