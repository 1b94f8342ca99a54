/**
 * Loaded into every Node process and thread of a mutation run (NODE_OPTIONS=--import …), before
 * any of Rosey's code. Hand-overs that Stryker cannot do itself here:
 *
 * 1. The active mutant reaches the threads and processes a test starts. Stryker's mocha runner only
 *    sets `globalThis.__stryker__.activeMutant` in the test process; storage and the migrator run in
 *    a worker thread and the CLI tests in child processes, where the instrumented code reads the
 *    mutant from the environment instead (`__STRYKER_ACTIVE_MUTANT__`, Stryker's own variable).
 *    Mirroring the field into process.env makes every thread or process started afterwards (they
 *    copy process.env by default) run the same mutant.
 * 2. Per-test coverage of code that runs in a worker thread. Stryker only reads the coverage the
 *    test process recorded, so a mutant reached only in the database thread would count as covered
 *    by no test and never run. The test process publishes the index of the running test in shared
 *    memory; a worker records which mutant each test reached in a shared bitmap, and the test
 *    process folds the bitmap into its own coverage when Stryker reads it.
 * 3. Mocha 12 ships its CLI helpers as `lib/cli/*.cjs`; @stryker-mutator/mocha-runner 10 still
 *    requires them without the extension. Such a request is retried with `.cjs`.
 * 4. better-sqlite3's native addon is built for the Node that installed node_modules. When the run
 *    uses another Node (scripts/mutation.mjs fetches Node 24 where the system has Node 20), the addon
 *    built for that Node's ABI into the cache is loaded instead.
 */
import Module from 'node:module';
import path from 'node:path';
import threads from 'node:worker_threads';

const ACTIVE = '__STRYKER_ACTIVE_MUTANT__';
const SHARED = 'rosey-mutation-coverage';
/** Bounds of the shared coverage bitmap: tests of one module run, and mutant ids of one module. */
const MAX_TESTS = 2048;
const MAX_MUTANTS = 16384;

function accessor(object, key, get, set) {
  Object.defineProperty(object, key, { configurable: true, enumerable: true, get, set });
}

function inTestProcess(ns) {
  let active = ns.activeMutant;
  accessor(
    ns,
    'activeMutant',
    () => active,
    (id) => {
      active = id;
      if (id === undefined) delete process.env[ACTIVE];
      else process.env[ACTIVE] = String(id);
    },
  );

  // [0]: index of the running test (0: none), [1]: set when a worker recorded something new.
  const state = new Int32Array(new SharedArrayBuffer(8));
  const bits = new Uint8Array(new SharedArrayBuffer((MAX_TESTS * MAX_MUTANTS) / 8));
  threads.setEnvironmentData(SHARED, { state, bits });
  const testIds = [undefined];
  const indexOf = new Map();
  let currentTestId;
  accessor(
    ns,
    'currentTestId',
    () => currentTestId,
    (id) => {
      currentTestId = id;
      let index = 0;
      if (id !== undefined) {
        index = indexOf.get(id) ?? testIds.length;
        if (index === testIds.length && index < MAX_TESTS) {
          indexOf.set(id, index);
          testIds.push(id);
        }
        if (index >= MAX_TESTS) index = 0;
      }
      Atomics.store(state, 0, index);
    },
  );

  let coverage = ns.mutantCoverage;
  const fold = () => {
    if (Atomics.exchange(state, 1, 0) === 0) return;
    coverage ??= { static: {}, perTest: {} };
    for (let test = 0; test < testIds.length; test++) {
      const id = testIds[test];
      const row = test * MAX_MUTANTS;
      for (let byte = row / 8; byte < (row + MAX_MUTANTS) / 8; byte++) {
        if (Atomics.load(bits, byte) === 0) continue;
        const value = Atomics.exchange(bits, byte, 0);
        for (let bit = 0; bit < 8; bit++) {
          if ((value & (1 << bit)) === 0) continue;
          const mutant = String(byte * 8 + bit - row);
          const counts = id === undefined ? coverage.static : (coverage.perTest[id] ??= {});
          counts[mutant] = (counts[mutant] ?? 0) + 1;
        }
      }
    }
  };
  accessor(
    ns,
    'mutantCoverage',
    () => {
      fold();
      return coverage;
    },
    (value) => {
      coverage = value;
    },
  );
}

/** In a worker thread: the instrumented code's coverage goes to the shared bitmap. */
function inWorker(ns, { state, bits }) {
  const record = (test, mutant) => {
    const id = Number(mutant);
    if (!Number.isInteger(id) || id < 0 || id >= MAX_MUTANTS) return true;
    const at = test * MAX_MUTANTS + id;
    const mask = 1 << (at % 8);
    if ((Atomics.load(bits, at >> 3) & mask) === 0) {
      Atomics.or(bits, at >> 3, mask);
      Atomics.store(state, 1, 1);
    }
    return true;
  };
  const row = (test) => new Proxy({}, { get: () => 0, set: (_, mutant) => record(test, mutant) });
  accessor(
    ns,
    'currentTestId',
    () => Atomics.load(state, 0) || undefined,
    () => {},
  );
  ns.mutantCoverage = {
    static: row(0),
    perTest: new Proxy({}, { get: (_, test) => row(Number(test)), set: () => true }),
  };
}

if (process.env.STRYKER_MUTATOR_WORKER !== undefined) {
  const ns = globalThis.__stryker__ ?? (globalThis.__stryker__ = {});
  const shared = threads.isMainThread ? undefined : threads.getEnvironmentData(SHARED);
  if (shared) inWorker(ns, shared);
  else if (threads.isMainThread) inTestProcess(ns);
}

const binding = process.env.ROSEY_MUTATION_SQLITE_BINDING;
const bindingAbi = process.env.ROSEY_MUTATION_SQLITE_ABI;
const useBinding = binding && bindingAbi === process.versions.modules;
const mochaCli = [
  '/node_modules/mocha/lib/cli/',
  `${path.sep}node_modules${path.sep}mocha${path.sep}lib${path.sep}cli${path.sep}`,
];

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  let resolved;
  try {
    resolved = resolve.call(this, request, parent, ...rest);
  } catch (error) {
    if (mochaCli.some((dir) => request.includes(dir)))
      return resolve.call(this, `${request}.cjs`, parent, ...rest);
    throw error;
  }
  if (useBinding && resolved.endsWith(`${path.sep}better_sqlite3.node`)) return binding;
  return resolved;
};
