import { timingSafeEqual } from 'node:crypto';
import type { AnyActorRef } from 'xstate';
import type { ReadyBody } from '../../contract/messages/metrics.js';
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
  const path = new URL(url, 'http://rosey').pathname;
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
    case 'api.metrics':
      return store ? { status: 200, type: JSON_TYPE, body: store.apiMetricsText() } : noMetrics();
    case 'api.plugins':
      return store ? json(200, { plugins: store.pluginRows() }) : noMetrics();
    default: {
      if (!store) return noMetrics();
      const name = decodeURIComponent(route.match![1]!);
      const row = store.pluginRows().find((p) => p.name === name);
      if (!row) return failure(404, 'NOT_FOUND', `no plugin ${name}`);
      const history = store.window
        .toArray()
        .flatMap((s) => (s.plugins[name] ? [{ at: s.at, process: s.plugins[name] }] : []));
      return json(200, { ...row, history });
    }
  }
}
