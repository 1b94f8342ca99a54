import { isAbsolute, resolve } from 'node:path';

/** Which database Rosey uses: the SQLite file by default, PostgreSQL when a URL says so. */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgresql'; url: string };

export const DEFAULT_SQLITE_FILE = 'rosey.db';

/**
 * `DATABASE_URL` (already folded into `database.url` by the config loader) > config `database.url` >
 * `<dataDir>/rosey.db`. Accepted URLs: `postgres://…`, `postgresql://…`, `sqlite:<path>` (relative to
 * the data directory), `sqlite:///<absolute path>`.
 */
export function resolveDatabase(url: string | undefined, dataDir: string): DatabaseTarget {
  if (!url) return { kind: 'sqlite', file: resolve(dataDir, DEFAULT_SQLITE_FILE) };
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgresql', url };
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/i.exec(url);
  if (sqlite) {
    const path = sqlite[1]!;
    return { kind: 'sqlite', file: isAbsolute(path) ? path : resolve(dataDir, path) };
  }
  throw new Error(
    `database.url: unsupported URL (expected postgres://…, postgresql://… or sqlite:<file>): ${redactDatabaseUrl(url)}`,
  );
}

/** The URL without its password, for logs and errors. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:/@\s]+):[^/@\s]*@/, '//$1:***@');
}

export function describeTarget(target: DatabaseTarget): string {
  return target.kind === 'sqlite' ? `SQLite ${target.file}` : `PostgreSQL ${redactDatabaseUrl(target.url)}`;
}
