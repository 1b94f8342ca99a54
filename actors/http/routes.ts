import { timingSafeEqual } from 'node:crypto';
import type { AnyActorRef } from 'xstate';
import { historyQuerySchema, type ReadyBody } from '../../contract/messages/metrics.js';
import { validate } from '../../contract/validate.js';
import { describeTree, type TreeNode } from '../../supervisors/describe-tree.js';
import type { MetricsLink } from '../metrics/metrics-link.js';
import { readTree } from '../metrics/tree-reading.js';

/** What one answer is: its status, content type and body. */
export interface Answer {
  status: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

export interface RouteDeps {
  metrics: MetricsLink;
  /** The root supervisor, while there is one. */
  root: () => AnyActorRef | undefined;
  /** `http.token`: every request must carry `Authorization: Bearer <token>` when set. */
  token?: string;
  startedAt: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const json = (status: number, value: unknown, headers?: Record<string, string>): Answer => ({
  status,
  type: JSON_TYPE,
  body: JSON.stringify(value),
  ...(headers ? { headers } : {}),
});
const failure = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  json(status, { error: { code, message } }, headers);

const noMetrics = () =>
  failure(503, 'UNAVAILABLE', 'the metrics actor is not running (restarting?); try again shortly');

/** The routes and the methods each takes; a path not here is 404, a method not listed 405. */
const ROUTES: Array<{ pattern: RegExp; name: string }> = [
  { pattern: /^\/metrics$/, name: 'metrics' },
  { pattern: /^\/health$/, name: 'health' },
  { pattern: /^\/ready$/, name: 'ready' },
  { pattern: /^\/api\/metrics$/, name: 'api.metrics' },
  { pattern: /^\/api\/plugins$/, name: 'api.plugins' },
  { pattern: /^\/api\/plugins\/([^/]+)$/, name: 'api.plugin' },
];

function authorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const wanted = Buffer.from(token);
  // Constant time, so the token cannot be guessed a character at a time from response times.
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** A path segment's text, or undefined when its %-escapes are malformed (`%E0%A4`). */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** `/ready`: the bus connected, storage serving, every connector where it should be. */
export function readiness(tree: TreeNode | undefined): ReadyBody {
  if (!tree) return { ready: false, checks: [{ name: 'tree', ok: false, detail: 'no supervision tree' }] };
  const reading = readTree(tree);
  const checks: ReadyBody['checks'] = [
    reading.bus?.startsWith('connected.up')
      ? { name: 'bus', ok: true }
      : { name: 'bus', ok: false, detail: `bus is ${reading.bus ?? 'not running'}` },
    reading.storage === 'running'
      ? { name: 'storage', ok: true }
      : { name: 'storage', ok: false, detail: `storage is ${reading.storage ?? 'not running'}` },
    ...reading.connectors.map((c) =>
      c.wanted
        ? { name: `connector:${c.name}`, ok: true }
        : { name: `connector:${c.name}`, ok: false, detail: `${c.name} is ${c.state}` },
    ),
  ];
  return { ready: checks.every((c) => c.ok), checks };
}

/** The answer to one request (docs/metrics.md lists the routes and their bodies). */
export async function answer(
  deps: RouteDeps,
  method: string,
  url: string,
  authorization: string | undefined,
): Promise<Answer> {
  if (!authorized(authorization, deps.token))
    return failure(401, 'UNAUTHORIZED', 'a valid "Authorization: Bearer <http.token>" header is required', {
      'WWW-Authenticate': 'Bearer realm="rosey"',
    });
  const { pathname: path, searchParams } = new URL(url, 'http://rosey');
  const route = ROUTES.map((r) => ({ name: r.name, match: r.pattern.exec(path) })).find((r) => r.match);
  if (!route) return failure(404, 'NOT_FOUND', `no route ${path}`);
  if (method !== 'GET') return failure(405, 'METHOD_NOT_ALLOWED', `${path} takes GET`, { Allow: 'GET' });
  const root = deps.root();
  const store = deps.metrics.store;
  switch (route.name) {
    case 'health':
      return root
        ? json(200, { status: 'ok', uptimeMs: Date.now() - deps.startedAt })
        : json(503, { status: 'stopping', uptimeMs: Date.now() - deps.startedAt });
    case 'ready': {
      const body = readiness(root ? describeTree(root) : undefined);
      return json(body.ready ? 200 : 503, body);
    }
    case 'metrics':
      if (!store) return noMetrics();
      return { status: 200, type: store.contentType, body: await store.exposition() };
    case 'api.plugins':
      return store ? json(200, { plugins: store.pluginRows() }) : noMetrics();
  }
  // The two routes with a history, and a query to choose its samples.
  const query = validate(historyQuerySchema, Object.fromEntries(searchParams));
  if (!query.ok) return failure(400, 'BAD_REQUEST', `${path}: ${query.error.message}`);
  if (!store) return noMetrics();
  if (route.name === 'api.metrics')
    return { status: 200, type: JSON_TYPE, body: store.apiMetricsText(query.data) };
  const name = decoded(route.match![1]!);
  if (name === undefined) return failure(400, 'BAD_REQUEST', `${path}: not a plugin name`);
  const body = store.apiPluginText(name, query.data);
  return body === undefined
    ? failure(404, 'NOT_FOUND', `no plugin ${name}`)
    : { status: 200, type: JSON_TYPE, body };
}
