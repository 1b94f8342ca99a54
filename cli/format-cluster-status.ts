import type { ClusterNode, ClusterStatusReply } from '../contract/messages/cluster.js';
import { formatDuration } from './format-status.js';

function describeNode(entry: ClusterNode, self: string): string[] {
  const name = `node ${entry.node}${entry.node === self ? ' (this one)' : ''}`;
  if (!entry.answered)
    return [`${name}  did not answer in time (last heard ${formatDuration(entry.lastHeardMs)} ago)`];
  const { info } = entry;
  const lines = [
    `${name}  Rosey ${info.version}  pid ${info.pid}  up ${formatDuration(info.uptimeMs)}  actors ${info.tree.running}/${info.tree.actors} running`,
  ];
  for (const down of info.tree.notRunning) lines.push(`  not running: ${down}`);
  lines.push(
    info.plugins === undefined
      ? '  plugins: unknown (its plugin manager did not answer)'
      : `  plugins: ${info.plugins.map((p) => `${p.name} ${p.version}${p.state === 'running' ? '' : ` (${p.state})`}`).join(', ') || 'none'}`,
  );
  return lines;
}

/**
 * Control characters shown as `?`: the answers come from whoever publishes on the cluster, and a
 * terminal must not take an escape sequence in a version or plugin name as a command.
 */
const printable = (line: string) => line.replace(/\p{Cc}/gu, '?');

/** `rosey status --cluster`: every node, the one asked marked, a silent one said so. */
export function formatClusterStatus(data: ClusterStatusReply): string {
  const answered = data.nodes.filter((n) => n.answered).length;
  return [
    `${data.nodes.length} node${data.nodes.length === 1 ? '' : 's'}, ${answered} answered`,
    ...data.nodes.flatMap((n) => describeNode(n, data.self)).map(printable),
  ].join('\n');
}
