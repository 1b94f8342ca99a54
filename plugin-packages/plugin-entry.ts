import { existsSync } from 'node:fs';

/**
 * How a plugin's code is run, the same for its process and for `rosey plugin build`'s load check:
 * a `.ts` entry with a compiled `.js` beside it (built-in plugins under dist/) runs the `.js`; a
 * `.ts` entry on its own goes through tsx.
 */
export function resolveEntry(entry: string): string {
  if (!entry.endsWith('.ts')) return entry;
  const compiled = entry.replace(/\.ts$/, '.js');
  return existsSync(compiled) ? compiled : entry;
}

/** Node flags the (resolved) entry needs to load. */
export const entryLoaderArgs = (entry: string): string[] =>
  entry.endsWith('.ts') ? ['--import', 'tsx'] : [];

/**
 * What a process running a plugin's code inherits from Rosey's environment: enough to run Node,
 * nothing more (no DATABASE_URL, no secrets from the operator's shell).
 */
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_EXTRA_CA_CERTS'];

export function pluginBaseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}
