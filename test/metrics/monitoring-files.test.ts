import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseYaml } from '../../contract/yaml.js';
import { z } from '../../contract/zod.js';
import { MetricsStore } from '../../actors/metrics/metrics-store.js';

/**
 * The alert rules and the Grafana dashboard of docs/guides/MONITORING.md. promtool is not installed
 * here, so the rule file is parsed and checked by hand: its shape is Prometheus's rule-file shape,
 * and every metric and label its expressions select is one Rosey's registry exposes. A metric renamed
 * in actors/metrics/metrics-store.ts without the rules following fails here.
 */
const MONITORING = fileURLToPath(new URL('../../../docs/guides/monitoring/', import.meta.url));

const ruleFileSchema = z
  .object({
    groups: z
      .array(
        z
          .object({
            name: z.string().min(1),
            rules: z
              .array(
                z
                  .object({
                    alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
                    expr: z.string().min(1),
                    for: z
                      .string()
                      .regex(/^\d+[smhd]$/)
                      .optional(),
                    labels: z.object({ severity: z.enum(['warning', 'critical']) }),
                    annotations: z.object({ summary: z.string().min(1), description: z.string().optional() }),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** A store with one of everything, so that every metric has a series with all its labels. */
async function exposed(): Promise<Map<string, Set<string>>> {
  const store = new MetricsStore(5000, 3_600_000, () => 64);
  store.chatLine('cytube');
  store.command({ plugin: 'dice', command: 'roll', outcome: 'ok', seconds: 0.01 });
  store.command({ plugin: 'dice', command: 'roll', outcome: 'error', code: 'TIMEOUT', seconds: 5 });
  store.command({ plugin: 'dice', command: 'roll', outcome: 'cooldown' });
  store.violation('dice', 'gate');
  store.sent('cytube', 'chat');
  store.storageRequest({ plugin: 'dice', op: 'kv.get', outcome: 'ok', seconds: 0.0004 });
  store.reconnected();
  store.tree({
    restarts: [{ path: 'plugins/dice/dice@1', restarts: 1 }],
    plugins: [{ name: 'dice', status: 'running', generation: 2, pid: 1 }],
    connectors: [{ name: 'cytube', state: 'halted', wanted: false, up: false }],
  });
  store.connectorQueued('cytube', 3);
  const figures = {
    cpuPercent: 1,
    rss: 1,
    heapUsed: 1,
    eventLoopP50Ms: 1,
    eventLoopP99Ms: 2,
    openHandles: 9,
  };
  store.plugin('dice', figures, {
    listening: true,
    held: false,
    queued: 0,
    limit: 1000,
    handled: 1,
    dropped: 0,
    failed: 0,
    timedOut: 0,
    invalid: 0,
  });
  store.sample(Date.now(), figures, { connection: 1, inMsgs: 1, outMsgs: 1, inBytes: 1, outBytes: 1 });
  const labels = new Map<string, Set<string>>();
  for (const metric of await store.registry.getMetricsAsJSON()) {
    const names = new Set<string>();
    for (const value of metric.values) for (const label of Object.keys(value.labels)) names.add(label);
    // Histogram series: `<name>_bucket` (with `le`), `_sum`, `_count`, as PromQL selects them.
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) labels.set(`${metric.name}${suffix}`, names);
    else labels.set(metric.name, names);
    expect(metric.values.length, `${metric.name} has a series`).to.be.above(0);
  }
  return labels;
}

/** Every `rosey_…{label op "value", …}` selector of a PromQL expression: metric and label names. */
function selectors(expr: string): Array<{ metric: string; labels: string[] }> {
  return [...expr.matchAll(/\b(rosey_[a-z0-9_]+)\s*(?:\{([^}]*)\})?/g)].map((m) => ({
    metric: m[1]!,
    labels: [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  }));
}

function checkExpr(expr: string, labels: Map<string, Set<string>>, where: string) {
  const used = selectors(expr);
  expect(used.length, `${where} selects a Rosey metric`).to.be.above(0);
  for (const { metric, labels: wanted } of used) {
    const known = labels.get(metric);
    expect(known, `${where}: ${metric} is not a metric Rosey exposes`).to.not.equal(undefined);
    for (const label of wanted)
      expect(known!.has(label), `${where}: ${metric} has no label ${label}`).to.equal(true);
  }
}

describe('monitoring files: alert rules and the Grafana dashboard', () => {
  it('the alert rules are a valid rule file over metrics and labels Rosey exposes', async () => {
    const labels = await exposed();
    const rules = ruleFileSchema.parse(parseYaml(readFileSync(`${MONITORING}rosey-alerts.yml`, 'utf8')));
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((r) => r.alert)).to.include.members([
      'RoseyPluginCrashLoop',
      'RoseyPluginFailed',
      'RoseyConnectorHalted',
      'RoseyCommandErrorRate',
      'RoseyCommandLatencyP99',
      'RoseyPluginMemoryNearLimit',
    ]);
    expect(new Set(alerts.map((r) => r.alert)).size).to.equal(alerts.length);
    for (const rule of alerts) checkExpr(rule.expr, labels, rule.alert);
  });

  it('the check catches a metric or a label Rosey does not expose', async () => {
    const labels = await exposed();
    expect(() => checkExpr('rate(rosey_commands_totl[5m])', labels, 'typo')).to.throw(/not a metric/);
    expect(() => checkExpr('rosey_plugin_up{plugn="dice"}', labels, 'typo')).to.throw(/no label plugn/);
  });

  it('the dashboard is importable JSON whose every query uses metrics Rosey exposes', async () => {
    const labels = await exposed();
    const dashboard = z
      .object({
        title: z.string(),
        uid: z.string(),
        __inputs: z.array(z.object({ name: z.literal('DS_PROMETHEUS'), type: z.literal('datasource') })),
        panels: z.array(
          z.object({
            id: z.number(),
            type: z.enum(['timeseries', 'stat']),
            title: z.string().min(1),
            gridPos: z.object({ h: z.number(), w: z.number(), x: z.number(), y: z.number() }),
            targets: z.array(z.object({ refId: z.string(), expr: z.string() })).min(1),
          }),
        ),
      })
      .parse(JSON.parse(readFileSync(`${MONITORING}rosey-dashboard.json`, 'utf8')));
    expect(new Set(dashboard.panels.map((p) => p.id)).size).to.equal(dashboard.panels.length);
    for (const panel of dashboard.panels)
      for (const target of panel.targets) checkExpr(target.expr, labels, `panel "${panel.title}"`);
  });

  it('the example Prometheus config scrapes /metrics and loads the rules', () => {
    const config = z
      .object({
        rule_files: z.array(z.string()),
        scrape_configs: z.array(
          z.object({
            job_name: z.string(),
            metrics_path: z.literal('/metrics'),
            static_configs: z.array(z.object({ targets: z.array(z.string()) })),
          }),
        ),
      })
      .parse(parseYaml(readFileSync(`${MONITORING}prometheus.yml`, 'utf8')));
    expect(config.rule_files).to.include('rosey-alerts.yml');
  });
});
