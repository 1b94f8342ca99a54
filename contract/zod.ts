/**
 * zod, as all of Rosey's code imports it. The build replaces the compiled file with a single-file
 * bundle of zod (scripts/bundle-vendor.mjs): a Node process then loads one module instead of zod's 95
 * (its 64 locales among them), which saves about 50 ms of CPU and 7 MB of memory at every start of
 * Rosey, of each CLI command and of each plugin process (docs/benchmarks.md, issue 16).
 */
export * from 'zod';
