/**
 * The layers of Rosey, checked: which top-level folder may import which. `npm run lint` (and
 * `npm run lint:layers` on its own) cruises the sources with these rules and fails on an upward
 * import or a cycle. docs/architecture.md ("Layers") explains them; this file is the source of truth.
 *
 * Bottom to top:
 *   contract/  process/  supervisors/      import nothing of Rosey
 *   plugin-packages/                       contract, process
 *   sdk/ (without sdk/testing/)            contract
 *   actors/<component>/                    contract, process, plugin-packages, supervisors, actors
 *   app/                                   every layer listed before it, except sdk
 *   cli/                                   contract, process, plugin-packages, app
 *   sdk/testing/                           sdk, contract, app, plugin-packages, process, supervisors
 *   plugins/<name>/                        their own folder and `rosey/sdk` (tests: `rosey/sdk/testing`)
 *   test/, bench/                          anything; nothing else imports them
 *
 * Every layer rule is an allow-list: it forbids any import of Rosey code (anything that is not a
 * node builtin or under node_modules/) outside the folders the layer may use, so a new folder is
 * forbidden until it is placed. Paths are relative to the folder the cruise starts in (the repo root).
 */

/** npm packages, wherever node_modules really is (it may be a symlink to another checkout). */
const NPM = '(^|/)node_modules/';
/** Test code: it may import anything (only `no-unresolvable` looks at it); importing it is `not-to-test`. */
const TEST_CODE = '^(test|bench)/';

/**
 * The `to` side of an allow-list rule: any import of Rosey code except into `allowed` (regular
 * expressions on the resolved path). Builtins, npm packages and test code (see `not-to-test`) are
 * left out, and so are imports that do not resolve (see `no-unresolvable`).
 */
function roseyExcept(...allowed) {
  return {
    pathNot: [NPM, TEST_CODE, ...allowed],
    dependencyTypesNot: ['core'],
    couldNotResolve: false,
  };
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'contract-imports-nothing',
      severity: 'error',
      comment:
        'contract/ is the wire contract every process shares (subjects, envelope, results, schemas, ' +
        'capabilities, the Logger interface): it imports only contract/, npm packages and node builtins.',
      from: { path: '^contract/' },
      to: roseyExcept('^contract/'),
    },
    {
      name: 'process-imports-nothing',
      severity: 'error',
      comment: 'process/ holds OS-process helpers usable from any layer: it imports nothing of Rosey.',
      from: { path: '^process/' },
      to: roseyExcept('^process/'),
    },
    {
      name: 'supervisors-standalone',
      severity: 'error',
      comment:
        'supervisors/ is the generic OTP supervisor library and could be published on its own: ' +
        'no contract/, no actors/, no app/ (it has its own logger interface).',
      from: { path: '^supervisors/' },
      to: roseyExcept('^supervisors/'),
    },
    {
      name: 'plugin-packages-below-actors',
      severity: 'error',
      comment:
        'plugin-packages/ (plugin folders and .roseyplug archives) is used by actors, app and cli: ' +
        'it may import contract/ and process/ only.',
      from: { path: '^plugin-packages/' },
      to: roseyExcept('^plugin-packages/', '^contract/', '^process/'),
    },
    {
      name: 'sdk-only-contract',
      severity: 'error',
      comment:
        'sdk/ is the plugin SDK (rosey/sdk), loaded in every plugin process: it may import contract/ ' +
        'only. Not sdk/testing/, which sits above the application.',
      from: { path: '^sdk/', pathNot: '^sdk/testing/' },
      to: roseyExcept('^sdk/(?!testing/)', '^contract/'),
    },
    {
      name: 'actors-below-app',
      severity: 'error',
      comment:
        'actors/<component>/ may import contract/, process/, plugin-packages/, supervisors/ and ' +
        'other actors; never app/ (which assembles them), cli/ or sdk/.',
      from: { path: '^actors/' },
      to: roseyExcept('^actors/', '^contract/', '^process/', '^plugin-packages/', '^supervisors/'),
    },
    {
      name: 'app-below-cli',
      severity: 'error',
      comment:
        'app/ (the tree, startup, config, control client) may import every layer below it; never ' +
        'cli/ (which drives it) or sdk/.',
      from: { path: '^app/' },
      to: roseyExcept('^app/', '^actors/', '^supervisors/', '^plugin-packages/', '^process/', '^contract/'),
    },
    {
      name: 'cli-no-actor-internals',
      severity: 'error',
      comment:
        'cli/ talks to Rosey through app/ (start, control client, config) and the contract: it may ' +
        'import contract/, process/, plugin-packages/ and app/; never actors/ or supervisors/ ' +
        '(actor internals), nor sdk/.',
      from: { path: '^cli/' },
      to: roseyExcept('^cli/', '^app/', '^plugin-packages/', '^process/', '^contract/'),
    },
    {
      name: 'sdk-testing-no-actors',
      severity: 'error',
      comment:
        'sdk/testing/ (rosey/sdk/testing, the testBot harness) starts a Rosey through app/: it may ' +
        'import sdk/, contract/, app/, plugin-packages/, process/ and supervisors/; never actors/ ' +
        'directly, nor cli/.',
      from: { path: '^sdk/testing/' },
      to: roseyExcept('^sdk/', '^contract/', '^app/', '^plugin-packages/', '^process/', '^supervisors/'),
    },
    {
      name: 'plugins-only-sdk',
      severity: 'error',
      comment:
        'A built-in plugin is written like any third-party plugin: it imports its own folder, ' +
        "'rosey/sdk', npm packages and node builtins; nothing else of Rosey.",
      from: { path: '^plugins/([^/]+)/', pathNot: '^plugins/[^/]+/test/' },
      to: roseyExcept('^plugins/$1/', '^sdk/index[.]ts$'),
    },
    {
      name: 'plugin-tests-only-sdk-testing',
      severity: 'error',
      comment:
        "A built-in plugin's tests (plugins/<name>/test/) import their plugin, 'rosey/sdk' and " +
        "'rosey/sdk/testing'; nothing else of Rosey.",
      from: { path: '^plugins/([^/]+)/test/' },
      to: roseyExcept('^plugins/$1/', '^sdk/index[.]ts$', '^sdk/testing/index[.]ts$'),
    },
    {
      name: 'plugins-sdk-by-name',
      severity: 'error',
      comment:
        "Plugins import the SDK by its package name ('rosey/sdk', 'rosey/sdk/testing'), not by a " +
        'relative path into sdk/: that path does not exist in an installed plugin.',
      from: { path: '^plugins/' },
      to: { path: '^sdk/(testing/)?index[.]ts$', dependencyTypes: ['local'] },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment: 'Only test/ and bench/ import test/ and bench/: shipped code must not depend on test code.',
      from: { pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No import cycles in non-test code (type-only imports count): a cycle makes two modules one ' +
        'and hides which layer owns what.',
      from: { pathNot: [TEST_CODE, '^plugins/[^/]+/test/'] },
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment:
        'Every import must resolve, or the rules above cannot see where it goes (a typo, or a ' +
        '.js specifier without its .ts source).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Look at npm packages, do not cruise into them.
    doNotFollow: { path: NPM },
    exclude: { path: '^(dist|coverage|data|reports|\\.stryker-tmp)/' },
    // `import type` is a dependency of the design too.
    tsPreCompilationDeps: true,
    // Resolve as tsc does (NodeNext: a `./x.js` specifier names the `./x.ts` source).
    tsConfig: { fileName: 'tsconfig.json' },
    // `rosey/sdk` and `rosey/sdk/testing` resolve through package.json "exports" (a self-reference):
    // the "types" condition picks sdk/index.ts and sdk/testing/index.ts, not dist/.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['types', 'import', 'node', 'default'],
    },
    skipAnalysisNotInRules: true,
  },
};
