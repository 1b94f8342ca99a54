/**
 * The YAML parser, as all of Rosey's code loads it (configuration files, plugin manifests, the
 * configuration in a backup). The build replaces the compiled file with a single-file bundle of
 * `yaml` (scripts/bundle-vendor.mjs): one module instead of 74, read at every start and by every
 * CLI command given a YAML configuration (docs/benchmarks.md, issue 16).
 */
export * from 'yaml';
