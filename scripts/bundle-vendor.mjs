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

/**
 * An esbuild plugin that gives imports matching `filter` the module `contents()` instead, its own
 * imports resolved from `dir(resolveDir of the import)`.
 */
function substitute(name, filter, { dir, contents }) {
  return {
    name,
    setup(builder) {
      builder.onResolve({ filter }, (args) =>
        // The substitute's own imports are the package's.
        args.namespace === name
          ? undefined
          : { path: args.path, namespace: name, pluginData: dir(args.resolveDir) },
      );
      builder.onLoad({ filter: /.*/, namespace: name }, (args) => ({
        contents: contents(),
        resolveDir: args.pluginData,
        loader: 'js',
      }));
    },
  };
}

/** zod's locales: English only (zod's default, all Rosey uses); `z.locales` then has `en` alone. */
const englishOnly = substitute('zod-english-only', /\/locales\/index\.js$/, {
  dir: (from) => `${from}/../locales`,
  contents: () => "export { default as en } from './en.js';",
});

/**
 * date-fns as pino-roll uses it: the functions it takes from the index, each from its own module
 * (through the index, esbuild keeps all of date-fns: a required module's imports all run).
 */
const dateFnsForPinoRoll = substitute('date-fns-for-pino-roll', /^date-fns$/, {
  dir: (from) => from,
  contents: () =>
    pinoRollDateFns()
      .map((name) => `export { ${name} } from 'date-fns/${name}';`)
      .join('\n'),
});

/** The names pino-roll destructures from `require('date-fns')`, read from pino-roll itself. */
function pinoRollDateFns() {
  const file = require.resolve('pino-roll').replace(/pino-roll\.js$/, 'lib/utils.js');
  const names = /const \{([^}]+)\} = require\('date-fns'\)/.exec(readFileSync(file, 'utf8'))?.[1];
  // Another way of using date-fns would get none of it: the build stops instead.
  if (!names)
    throw new Error(`bundle-vendor: ${file} no longer takes date-fns as expected; see dateFnsForPinoRoll`);
  return names.split(',').map((name) => name.trim());
}

/**
 * A CommonJS package's exports as named exports of the bundle: esbuild cannot see the names a
 * CommonJS module exports, so they are listed from the package itself.
 */
function namesOf(module) {
  return `export const { ${Object.keys(require(module)).join(', ')} } = require('${module}');`;
}

const VENDORED = [
  // zod 4 is ES modules: 95 of them, 64 of them locales.
  { entry: "export * from 'zod';", outfile: 'dist/contract/zod.js', plugins: [englishOnly] },
  // The NATS client is CommonJS (46 files with nkeys and tweetnacl).
  { entry: namesOf('@nats-io/transport-node'), outfile: 'dist/contract/nats.js', banner: requireBanner },
  // yaml is CommonJS (74 files), and so is its bundle, which contract/yaml.ts requires.
  { entry: "module.exports = require('yaml');", outfile: 'dist/contract/yaml.cjs', format: 'cjs' },
  // pino-roll with five functions of date-fns (app/logging/pino-roll.ts); pino's own sonic-boom.
  {
    entry: "export default require('pino-roll');",
    outfile: 'dist/app/logging/pino-roll.js',
    banner: requireBanner,
    plugins: [dateFnsForPinoRoll],
    external: ['sonic-boom'],
  },
  // knex and what it loads (lodash one function a file, tarn, debug, …: 340 files), and the two
  // parts of it actors/database/knex.ts exports too. The database drivers stay outside: a dialect
  // loads its own.
  {
    entry: [
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

for (const { entry, outfile, format = 'esm', banner, plugins = [], external = [] } of VENDORED) {
  await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
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
