import type { StatusReply, TreeNode } from '../contract/messages/control.js';

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

function describe(node: TreeNode): string {
  const parts = [node.kind === 'supervisor' ? `supervisor ${node.strategy ?? ''}`.trim() : 'worker'];
  const state = node.status === 'running' && node.state && node.kind === 'worker' ? node.state : node.status;
  parts.push(state);
  if (node.uptimeMs !== undefined) parts.push(`up ${formatDuration(node.uptimeMs)}`);
  parts.push(`restarts ${node.restarts}`);
  for (const [k, v] of Object.entries(node.info ?? {})) parts.push(`${k}=${String(v)}`);
  if (node.lastExit && node.status !== 'running') parts.push(`last exit: ${node.lastExit}`);
  return parts.join('  ');
}

/** The supervision tree as indented lines: name, kind, state, uptime, restarts, facts. */
export function formatTree(root: TreeNode): string[] {
  const lines: string[] = [];
  const walk = (node: TreeNode, prefix: string, childPrefix: string) => {
    lines.push(`${prefix}${node.id}  ${describe(node)}`);
    const children = node.children ?? [];
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      walk(child, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(root, '', '');
  return lines;
}

const NOT_UP = new Set(['pending', 'starting', 'restarting']);

/**
 * Plugins that are not serving yet: their supervisor, or the host of their current generation, is
 * starting or restarting. The same plugins whose commands the channel is told are "starting".
 */
export function startingPlugins(root: TreeNode): string[] {
  const plugins = root.children?.find((c) => c.id === 'plugins');
  return (plugins?.children ?? [])
    .filter(
      (own) =>
        NOT_UP.has(own.status) ||
        (own.children ?? []).some((c) => c.id.startsWith(`${own.id}@`) && NOT_UP.has(c.status)),
    )
    .map((own) => own.id)
    .sort();
}

export function formatStatus(data: StatusReply): string {
  const starting = startingPlugins(data.tree);
  return [
    `Rosey ${data.version}  pid ${data.pid}  up ${formatDuration(data.uptimeMs)}  nats ${data.nats}`,
    ...(starting.length > 0 ? [`plugins still starting: ${starting.join(', ')}`] : []),
    '',
    ...formatTree(data.tree),
  ].join('\n');
}
