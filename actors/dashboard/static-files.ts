import { readFileSync } from 'node:fs';

/**
 * The dashboard's page and its files, served from the package itself (no CDN: it works offline),
 * under a Content-Security-Policy that allows nothing but this server: no inline script or style,
 * no other origin, no framing. The files are read once, on first use.
 */

const ASSETS = new URL('./assets/', import.meta.url);

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-cache',
};

const cache = new Map<string, string>();
const read = (name: string) => {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(name, ASSETS), 'utf8');
    cache.set(name, text);
  }
  return text;
};

export interface StaticAnswer {
  status: number;
  type: string;
  body: string;
  headers: Record<string, string>;
}

/** The answer for a dashboard path (`/`, `/dashboard`, `/dashboard/assets/<file>`), else undefined. */
export function dashboardFile(method: string, path: string): StaticAnswer | undefined {
  if (path === '/')
    return {
      status: 302,
      type: 'text/plain; charset=utf-8',
      body: '',
      headers: { ...HEADERS, Location: '/dashboard' },
    };
  const name =
    path === '/dashboard' || path === '/dashboard/'
      ? 'index.html'
      : /^\/dashboard\/assets\/([\w.-]+)$/.exec(path)?.[1];
  if (name === undefined) return undefined;
  const type = FILES[name];
  if (type === undefined)
    return {
      status: 404,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify({ error: { code: 'NOT_FOUND', message: `no file ${path}` } }),
      headers: HEADERS,
    };
  if (method !== 'GET' && method !== 'HEAD')
    return {
      status: 405,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: `${path} takes GET` } }),
      headers: { ...HEADERS, Allow: 'GET' },
    };
  return { status: 200, type, body: read(name), headers: HEADERS };
}
