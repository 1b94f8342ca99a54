import type { TreeNode } from '../contract/messages/control.js';
import type { CurrentMetrics, PluginFigures, ProcessFigures } from '../contract/messages/metrics.js';
import type { EventFigures } from '../contract/messages/plugin-events.js';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** `cpu 1.2%  rss 80.1 MB  heap 30.2 MB`: what is known of one process. */
export function processText(f: ProcessFigures): string {
  return [
    ...(f.cpuPercent !== undefined ? [`cpu ${f.cpuPercent.toFixed(1)}%`] : []),
    `rss ${mb(f.rss)}`,
    ...(f.heapUsed !== undefined ? [`heap ${mb(f.heapUsed)}`] : []),
    ...(f.eventLoopP99Ms !== undefined
      ? [`loop p50 ${f.eventLoopP50Ms?.toFixed(1) ?? '?'} ms p99 ${f.eventLoopP99Ms.toFixed(1)} ms`]
      : []),
  ].join('  ');
}

/**
 * The tree of `rosey status` with each process's CPU and memory among its facts: the main process
 * on the root, each plugin on the host of the generation that reported them.
 */
export function withFigures(tree: TreeNode, current: CurrentMetrics): TreeNode {
  const facts = (f: ProcessFigures) => ({
    ...(f.cpuPercent !== undefined ? { cpu: `${f.cpuPercent.toFixed(1)}%` } : {}),
    rss: mb(f.rss),
  });
  const hosts = new Map<string, PluginFigures>(
    current.plugins.flatMap((p) => (p.process && p.generation ? [[`${p.name}@${p.generation}`, p]] : [])),
  );
  const visit = (node: TreeNode): TreeNode => {
    const plugin = hosts.get(node.id);
    return {
      ...node,
      ...(plugin?.process
        ? {
            info: {
              ...node.info,
              ...facts(plugin.process),
              ...(plugin.events ? { events: eventsText(plugin.events) } : {}),
            },
          }
        : {}),
      ...(node.children ? { children: node.children.map(visit) } : {}),
    };
  };
  const root = visit(tree);
  return { ...root, info: { ...root.info, ...facts(current.main) } };
}

/** `1200 handled, 3 dropped, 1 failed` (what did not happen is left out, but handled). */
const eventsText = (e: EventFigures) =>
  [
    `${e.handled} handled`,
    ...(['queued', 'dropped', 'failed', 'invalid'] as const).flatMap((k) =>
      e[k] > 0 ? [`${e[k]} ${k}`] : [],
    ),
  ].join(', ');

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/** `rosey metrics`: processes, connectors and counters, one subject a line. */
export function formatMetrics(m: CurrentMetrics): string {
  const byOutcome: Record<string, number> = {};
  for (const [key, n] of Object.entries(m.counters.commands)) {
    const outcome = key.split('/').at(-1)!;
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + n;
  }
  const c = m.counters;
  return [
    `Rosey metrics at ${new Date(m.at).toISOString()} (sampled every ${m.intervalMs / 1000} s)`,
    `main  pid ${m.main.pid}  ${processText(m.main)}`,
    ...m.plugins.map(
      (p) =>
        `${p.name}${p.generation ? `@${p.generation}` : ''}  ${p.status}${p.pid ? `  pid ${p.pid}` : ''}  ${
          p.process ? processText(p.process) : 'no figures yet'
        }${p.memoryLimitMb ? `  limit ${p.memoryLimitMb} MB` : ''}  restarts ${p.restarts}  reloads ${p.reloads}${
          p.events ? `  events ${eventsText(p.events)}` : ''
        }`,
    ),
    `connectors: ${m.connectors.map((x) => `${x.name} ${x.state}${x.queued !== undefined ? ` (${x.queued} queued)` : ''}`).join(', ') || 'none'}`,
    `chat lines ${c.chatLines}  commands: ${counts(byOutcome)}  cooldown hits ${c.cooldownHits}`,
    `errors: ${counts(c.errors)}`,
    `storage requests: ${counts(c.storageRequests)}`,
    `restarts: ${counts(c.restarts)}`,
    `security violations ${c.securityViolations}  NATS reconnects ${c.natsReconnects}`,
  ].join('\n');
}
