import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import type { AnyActorRef } from 'xstate';
import type { BusLink } from '../../actors/bus/bus-link.js';
import { MetricsLink } from '../../actors/metrics/metrics-link.js';
import { httpSpec, metricsSpec, type Wiring } from '../../app/child-specs.js';
import { parseConfig } from '../../app/config/load.js';
import type { RoseyConfigInput } from '../../app/config/schema.js';
import { loadPlugin } from '../../plugin-packages/manifest.js';
import type { ChildSpec } from '../../supervisors/child-spec.js';
import { describeTree, findNode } from '../../supervisors/describe-tree.js';
import { FIXTURE_PLUGINS } from './mini-rosey.js';

/**
 * The metrics and HTTP actors as mini-Rosey "connectors" (started last, given the tree's link),
 * built from the application's own child specs; `metrics` is their shared link, for a test to read
 * the store the way the HTTP actor does.
 */
export function metricsChildren(config: RoseyConfigInput = {}, plugins: string[] = [], http = true) {
  const parsed = parseConfig({
    metrics: { intervalMs: 200 },
    http: { enabled: true, port: 0 },
    ...config,
  });
  const metrics = new MetricsLink();
  const children: Array<(link: BusLink, wiring: Wiring) => ChildSpec> = [
    (_link, wiring) =>
      metricsSpec(
        wiring,
        metrics,
        parsed,
        plugins.map((name) => loadPlugin(`${FIXTURE_PLUGINS}${name}`)),
      ),
    ...(http
      ? [
          (_link: BusLink, wiring: Wiring) => ({
            ...httpSpec(wiring, metrics, parsed.http),
            // Tests restart it at once; the backoff is for a port another program holds.
            backoff: undefined,
          }),
        ]
      : []),
  ];
  return { metrics, children, config: parsed };
}

/** The port the HTTP actor listens on, as `rosey status` shows it. */
export function httpPort(root: AnyActorRef): number | undefined {
  const port = findNode(describeTree(root), 'http')?.info?.port;
  return typeof port === 'number' ? port : undefined;
}

export async function get(
  port: number,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; type: string | null; text: string; headers: Headers }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    text: await res.text(),
    headers: res.headers,
  };
}

/** `/metrics`, parsed back by a Prometheus text-format parser. */
export async function scrape(port: number, init?: RequestInit): Promise<ParsedFamily[]> {
  const res = await get(port, '/metrics', init);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.text}`);
  return parsePrometheusTextFormat(res.text);
}

/** The value of one sample, its labels matching `labels`; undefined when there is none. */
export function sampleValue(
  families: ParsedFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (!sample) return undefined;
  return Number(sample.value ?? sample.count);
}

/**
 * The buckets of one series of a histogram in `/metrics`. The parser folds every series of a
 * histogram into one set of buckets and drops their labels (prom2json's shape), so the exposition
 * is cut down to the bucket lines of the series with `labels` before it is parsed.
 */
export async function histogramBuckets(
  port: number,
  name: string,
  labels: Record<string, string>,
): Promise<Record<string, number> | undefined> {
  const res = await get(port, '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.text}`);
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const lines = res.text
    .split('\n')
    .filter(
      (line) =>
        line === `# TYPE ${name} histogram` ||
        (line.startsWith(`${name}_bucket{`) && wanted.every((pair) => line.includes(pair))),
    );
  const family = parsePrometheusTextFormat(`${lines.join('\n')}\n`).find((f) => f.name === name);
  const buckets = family?.metrics[0]?.buckets;
  return buckets && Object.fromEntries(Object.entries(buckets).map(([le, n]) => [le, Number(n)]));
}
