/**
 * pino-roll, for app/logging/log-file.ts. It does `require('date-fns')` for five functions, and
 * date-fns's index loads all of it, about 300 modules: the largest set of modules Rosey's main
 * process loaded, a tenth of its CPU before it started (issue 16). The build replaces the compiled
 * file with a single-file bundle of pino-roll holding only those five functions of date-fns and
 * what they use (scripts/bundle-vendor.mjs).
 */
export { default } from 'pino-roll';
export type { RollOptions, RollingStream } from 'pino-roll';
