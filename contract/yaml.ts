import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

/**
 * YAML, as all of Rosey's code reads and writes it (configuration files, plugin manifests, the
 * configuration in a backup), loaded with the first YAML text: a CLI command given a JSON file or
 * none (a `rosey status` next to a `rosey dev`) does not load it (issue 16).
 *
 * The build writes a single-file bundle of `yaml` beside this module (`yaml.cjs`,
 * scripts/bundle-vendor.mjs): one module instead of 74, read at every start. It is CommonJS, as
 * `yaml` is, and required: an `import` of a CommonJS file makes Node scan all of it for its names
 * (~45 ms for this one), and Node before 22.12 cannot `require` an ES module (22.12 warns).
 */
const require = createRequire(import.meta.url);
/**
 * Written by the build beside this module's compiled file; named here rather than in the `require`
 * call, where the layer check would take `./yaml.cjs` for this module's own source.
 */
const BUNDLE = './yaml.cjs';
let loaded: typeof Yaml | undefined;

function load(): typeof Yaml {
  try {
    return require(BUNDLE) as typeof Yaml;
  } catch (error) {
    // A build by tsc alone (no bundle beside this file): the package itself.
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    return require('yaml') as typeof Yaml;
  }
}

const yaml = (): typeof Yaml => (loaded ??= load());

export function parseYaml(text: string): unknown {
  return yaml().parse(text) as unknown;
}

export function stringifyYaml(value: unknown): string {
  return yaml().stringify(value);
}
