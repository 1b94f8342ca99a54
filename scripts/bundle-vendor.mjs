// Replaces the compiled re-export modules of a few packages (contract/zod.ts, contract/nats.ts,
// contract/yaml.ts, actors/database/knex.ts: tsc's `export … from '<package>'`) with one file each
// holding all of that package, so that a process loads and compiles a single module instead of the
// package's tens or hundreds (each file says why; docs/benchmarks.md what it bought, issue 16).
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(root);

/** An ES module bundle has no `require` of its own, which a CommonJS package uses for Node's builtins. */
const requireBanner =
  "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);";

/** zod's locales: English only (zod's default, all Rosey uses); `z.locales` then has `en` alone. */
const englishOnly = {
  name: 'zod-english-only',
  setup(builder) {
    builder.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => ({
      path: args.path,
      namespace: 'zod-english-only',
      pluginData: `${args.resolveDir}/../locales`,
    }));
    builder.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};

/** date-fns as pino-roll uses it: the functions it takes from the index, and what they use. */
const dateFnsForPinoRoll = {
  name: 'date-fns-for-pino-roll',
  setup(builder) {
    // pino-roll's `require('date-fns')` gets these few; their own import of date-fns is date-fns.
    builder.onResolve({ filter: /^date-fns$/ }, (args) =>
      args.namespace === 'date-fns-for-pino-roll'
        ? undefined
        : { path: 'date-fns', namespace: 'date-fns-for-pino-roll', pluginData: args.resolveDir },
    );
    builder.onLoad({ filter: /.*/, namespace: 'date-fns-for-pino-roll' }, (args) => ({
      contents: `export { ${PINO_ROLL_DATE_FNS.join(', ')} } from 'date-fns';`,
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};
// What pino-roll/lib/utils.js destructures from `require('date-fns')`; test/app/log-file checks
// that a rolling log still works with them.
const PINO_ROLL_DATE_FNS = ['format', 'addDays', 'addHours', 'parse', 'isValid'];

const VENDORED = [
  // zod 4 is ES modules: 95 of them, 64 of them locales.
  { module: 'zod', exports: 'all', outfile: 'dist/contract/zod.js', plugins: [englishOnly] },
  // The NATS client is CommonJS (46 files with nkeys and tweetnacl).
  {
    module: '@nats-io/transport-node',
    exports: 'names',
    outfile: 'dist/contract/nats.js',
    banner: requireBanner,
  },
  // yaml is CommonJS (74 files). Its bundle is an ES module: Node's import of a CommonJS file scans
  // all of it for the names it exports (~45 ms for this one), and app/config/load.ts, which loads
  // it on demand, can `require` an ES module (Node ≥ 20.19).
  { module: 'yaml', exports: 'names', outfile: 'dist/contract/yaml.js', banner: requireBanner },
  // pino-roll with five functions of date-fns (app/logging/pino-roll.ts); pino's own sonic-boom.
  {
    module: 'pino-roll',
    exports: "export default require('pino-roll');",
    outfile: 'dist/app/logging/pino-roll.js',
    banner: requireBanner,
    plugins: [dateFnsForPinoRoll],
    external: ['sonic-boom'],
  },
  // knex and what it loads (lodash one function a file, tarn, debug, …: 340 files), and the two
  // parts of it actors/database/knex.ts exports too. The database drivers stay outside: a dialect
  // loads its own.
  {
    module: 'knex',
    exports: [
      "export default require('knex');",
      "export const { executeQuery } = require('knex/lib/execution/internal/query-executioner.js');",
      "export const KnexPgClient = require('knex/lib/dialects/postgres/index.js');",
    ].join('\n'),
    outfile: 'dist/actors/database/knex.js',
    banner: requireBanner,
    external: [
      'better-sqlite3',
      'pg',
      'pg-query-stream',
      'pg-native',
      'mysql',
      'mysql2',
      'oracledb',
      'tedious',
      'sqlite3',
    ],
  },
];

/**
 * The bundle's entry: all of an ES module, or the names of a CommonJS module (which esbuild cannot
 * see, so they are listed from the package itself), or the entry's text as given.
 */
function entry(module, exports) {
  if (exports.startsWith('export ')) return exports;
  switch (exports) {
    case 'all':
      return `export * from '${module}';`;
    case 'names':
      return `export const { ${Object.keys(require(module)).join(', ')} } = require('${module}');`;
  }
  throw new Error(`bundle-vendor: unknown exports '${exports}' for ${module}`);
}

for (const { module, exports, outfile, banner, plugins = [], external = [] } of VENDORED) {
  await build({
    stdin: { contents: entry(module, exports), resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: `${root}${outfile}`,
    allowOverwrite: true,
    banner: banner ? { js: banner } : undefined,
    plugins,
    external,
    logLevel: 'warning',
  });
  // tsc's source map is of the re-export it replaced.
  rmSync(`${root}${outfile}.map`, { force: true });
}
