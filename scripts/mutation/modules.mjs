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
  // The control plane's decisions: the restart answer, the runtime file, and the machine's replies
  // to status, ping, stop, kill and restart (against a real nats-server and a real tree).
  control: {
    mutate: [
      'actors/control/control.machine.ts',
      'actors/control/restart-request.actor.ts',
      'actors/control/runtime-file.ts',
      'actors/control/runtime-file.actor.ts',
    ],
    tests: ['dist/test/control/**/*.test.js'],
  },
  // What the console says and what it makes of a typed line; the terminal's readline plumbing
  // (terminal.actor.ts) is left out.
  console: {
    mutate: ['actors/console/console.machine.ts', 'actors/console/format.ts', 'actors/console/typed-line.ts'],
    tests: ['dist/test/console/**/*.test.js'],
  },
  // The publisher that keeps a chat line or a reply until NATS confirms it (nothing silently lost).
  delivery: {
    mutate: ['actors/bus/confirmed-publisher.actor.ts'],
    tests: ['dist/test/bus/confirmed-publisher.test.js', 'dist/test/console/not-sent.test.js'],
  },
  // Memory given back once a process is quiet after a busy spell (main's actor and the plugins' SDK
  // share it): when it collects, how often, what a failure does. The tests run it in child processes.
  'idle-memory': {
    mutate: ['contract/idle-memory.ts', 'actors/memory-release/memory-release.actor.ts'],
    tests: [
      'dist/test/contract/idle-memory.test.js',
      'dist/test/memory-release/memory-release-actor.test.js',
    ],
  },
  // CyTube's inbound side: server events checked and applied to the channel state, chat and PMs
  // turned into Rosey's messages (HTML to text), login failures, and outbound text split to
  // CyTube's line length. Not the socket, discovery, outbox or flood plumbing. The decisions are
  // pure functions: their unit tests, not the connector's end-to-end tests (seconds per mutant).
  cytube: {
    mutate: [
      'actors/cytube/on-server-event.ts',
      'actors/cytube/server-events.ts',
      'actors/cytube/channel-state.ts',
      'actors/cytube/inbound.ts',
      'actors/cytube/html-text.ts',
      'actors/cytube/split-message.ts',
      'actors/cytube/login-result.ts',
    ],
    tests: [
      'dist/test/cytube/connector/text.test.js',
      'dist/test/cytube/connector/decisions.test.js',
      'dist/test/cytube/connector/channel-state.test.js',
      'dist/test/cytube/connector/channel-events.test.js',
      'dist/test/cytube/connector/inbound.test.js',
    ],
  },
  // `!admin`'s rules: the words it reads, who may, confirmation codes, the per-user rate limit
  // (pure functions and their unit tests; the machine's chat round trips are minutes a run).
  admin: {
    mutate: [
      'actors/admin/parse.ts',
      'actors/admin/authorize.ts',
      'actors/admin/confirmations.ts',
      'actors/admin/rate-limit.ts',
    ],
    tests: ['dist/test/admin/admin-rules.test.js'],
  },
  // The cluster's pure parts: who was heard and who clashes, gathering answers to a deadline, the
  // lease's key, the tree in figures, what a node taking a channel over says and the journal it goes
  // by (the lease and the connector it gates run in the cluster suites: real nodes, a minute a run).
  cluster: {
    mutate: [
      'actors/cluster/peers.ts',
      'actors/cluster/gather.ts',
      'actors/cluster/lease-key.ts',
      'actors/cluster/tree-summary.ts',
      'actors/cluster/takeover.ts',
      'actors/cluster/handover-journal.ts',
    ],
    tests: ['dist/test/cluster/parts.test.js', 'dist/test/cluster/takeover.test.js'],
  },
  tracing: {
    // What decides and records spans in every process (docs/tracing.md); the export thread's side
    // (OpenTelemetry's exporter, the worker) is covered by the telemetry suites that run processes.
    mutate: [
      'contract/trace-sampling.ts',
      'contract/trace-context.ts',
      'contract/span-recorder.ts',
      'app/telemetry/sampling.ts',
      'app/telemetry/endpoint.ts',
    ],
    tests: [
      'dist/test/telemetry/trace-sampling.test.js',
      'dist/test/telemetry/trace-context.test.js',
      'dist/test/telemetry/endpoint.test.js',
      'dist/test/telemetry/tracing-span-recorder.test.js',
    ],
  },
  'blue-green': {
    mutate: ['actors/plugin-manager/blue-green.machine.ts', 'actors/plugin-manager/reload-requests.ts'],
    // The machine's own tests (test/plugins/reload.test.ts runs whole reloads with real plugin
    // processes: minutes per mutant, and it imports neither file).
    tests: ['dist/test/plugins/blue-green*.test.js'],
  },
};
