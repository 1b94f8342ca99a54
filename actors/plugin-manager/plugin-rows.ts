import type { PluginRow, ReloadOutcome } from '../../contract/messages/plugins.js';
import type { TreeNode } from '../../supervisors/describe-tree.js';
import type { ManagedPlugin } from './managed-plugin.js';

/** What runs, read from the live tree (`plugins` node) and the manager's own bookkeeping. */
export function pluginRows(
  managed: Record<string, ManagedPlugin>,
  plugins: TreeNode | undefined,
  reloading: string[],
): PluginRow[] {
  return Object.entries(managed)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, m]) => {
      const own = plugins?.children?.find((c) => c.id === name);
      const host = own?.children?.find((c) => c.id === `${name}@${m.generation}`);
      const node = own?.status === 'running' && host ? host : own;
      const info = host?.info ?? {};
      const row: PluginRow = {
        name,
        version: typeof info.version === 'string' ? info.version : m.plugin.manifest.version,
        generation: m.generation,
        state: node?.status ?? 'stopped',
        restarts: (own?.restarts ?? 0) + (host?.restarts ?? 0),
        reloading: reloading.includes(name),
        dir: m.plugin.dir,
      };
      if (typeof info.pid === 'number' && row.state === 'running') row.pid = info.pid;
      const lastExit = host?.lastExit ?? own?.lastExit;
      if (lastExit) row.lastExit = lastExit;
      return row;
    });
}

const STAGES: Record<Exclude<ReloadOutcome, { ok: true }>['stage'], string> = {
  granting: 'giving it its NATS permissions',
  handoff: 'handing the old generation’s state to the new one',
  migrating: 'applying its migrations',
  starting: 'starting the new generation',
  checking: 'checking the new generation’s health',
  switching: 'switching commands to the new generation',
  grace: 'the grace period after the switch',
};

/** One line for the operator: what failed, why, and what serves now. */
export function describeReloadFailure(outcome: Exclude<ReloadOutcome, { ok: true }>): string {
  const serving = `${outcome.serving.version} (generation ${outcome.serving.generation})`;
  return outcome.rolledBack
    ? `${outcome.plugin} rolled back: ${outcome.reason}; ${serving} serves again`
    : `reload of ${outcome.plugin} failed while ${STAGES[outcome.stage]}: ${outcome.reason}; ${serving} keeps serving`;
}
