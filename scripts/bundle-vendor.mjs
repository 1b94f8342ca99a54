// Writes one esbuild bundle for each of a few packages of many files, over tsc's compiled
// re-export (contract/zod.ts, contract/nats.ts, actors/database/knex.ts, app/logging/pino-roll.ts)
// or beside it (contract/yaml.ts's yaml.cjs), so that a process loads and compiles one module
// instead of the package's tens or hundreds (each source file says why; docs/benchmarks.md, "One
// module per package", what it bought: issue 16).
import { readFileSync, rmSync } from 'node:fs';
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

/**
 * date-fns as pino-roll uses it: the functions it takes from the index, each from its own module
 * (through the index, esbuild keeps all of date-fns: a required module's imports all run).
 */
const dateFnsForPinoRoll = {
  name: 'date-fns-for-pino-roll',
  setup(builder) {
    builder.onResolve({ filter: /^date-fns$/ }, (args) => ({
      path: 'date-fns',
      namespace: 'date-fns-for-pino-roll',
      pluginData: args.resolveDir,
    }));
    builder.onLoad({ filter: /.*/, namespace: 'date-fns-for-pino-roll' }, (args) => ({
      contents: pinoRollDateFns()
        .map((name) => `export { ${name} } from 'date-fns/${name}';`)
        .join('\n'),
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};

/** The names pino-roll destructures from `require('date-fns')`, read from pino-roll itself. */
function pinoRollDateFns() {
  const file = require.resolve('pino-roll').replace(/pino-roll\.js$/, 'lib/utils.js');
  const names = /const \{([^}]+)\} = require\('date-fns'\)/.exec(readFileSync(file, 'utf8'))?.[1];
  // Another way of using date-fns would get none of it: the build stops instead.
  if (!names)
    throw new Error(`bundle-vendor: ${file} no longer takes date-fns as expected; see dateFnsForPinoRoll`);
  return names.split(',').map((name) => name.trim());
}

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
  // yaml is CommonJS (74 files), and so is its bundle, which contract/yaml.ts requires.
  { module: 'yaml', exports: 'commonjs', outfile: 'dist/contract/yaml.cjs', format: 'cjs' },
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
 * The bundle's entry: all of an ES module; the names of a CommonJS module (which esbuild cannot
 * see, so they are listed from the package itself); a CommonJS module as it is; or the entry's text
 * as given.
 */
function entry(module, exports) {
  if (exports.startsWith('export ')) return exports;
  switch (exports) {
    case 'all':
      return `export * from '${module}';`;
    case 'commonjs':
      return `module.exports = require('${module}');`;
    case 'names':
      return `export const { ${Object.keys(require(module)).join(', ')} } = require('${module}');`;
  }
  throw new Error(`bundle-vendor: unknown exports '${exports}' for ${module}`);
}

for (const { module, exports, outfile, format = 'esm', banner, plugins = [], external = [] } of VENDORED) {
  await build({
    stdin: { contents: entry(module, exports), resolveDir: root, loader: 'js' },
    bundle: true,
    format,
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
