import type { CurrentMetrics } from '../../contract/messages/metrics.js';
import type { PluginInfoReply, PluginRow, ReloadReply } from '../../contract/messages/plugins.js';
import type { StatusReply } from '../../contract/messages/control.js';
import type { DestructiveVerb } from '../../contract/messages/admin.js';
import { counted } from '../../contract/counted.js';

/** The answers of `!admin`, each short enough for a chat line or a PM. */

export const helpReply = (prefix: string) =>
  `${prefix}admin help | list | status [plugin] | reload <plugin> | restart <plugin> | enable <plugin> | disable <plugin> | metrics — reload, restart, enable and disable ask for ${prefix}admin confirm <code>.`;

export const notAllowedReply = (prefix: string) => `${prefix}admin is for Rosey's admins.`;

export const floodReply = (prefix: string, windowMs: number) =>
  `Too many ${prefix}admin commands: the next ones are ignored for ${Math.ceil(windowMs / 1000)}s.`;

export const usageReply = (prefix: string, reason: string) =>
  `${prefix}admin: ${reason} — ${prefix}admin help.`;

export const confirmReply = (
  prefix: string,
  verb: DestructiveVerb,
  plugin: string,
  code: string,
  ttlMs: number,
) => `To ${verb} ${plugin}, send ${prefix}admin confirm ${code} within ${Math.round(ttlMs / 1000)}s.`;

export const refusedCodeReply = (prefix: string, reason: string) =>
  `${prefix}admin confirm refused: ${reason}.`;

export const failedReply = (what: string, message: string) => `${what} failed: ${clip(message, 200)}`;

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h${m % 60}m` : `${Math.floor(h / 24)}d${h % 24}h`;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const row = (p: PluginRow) =>
  `${p.name} ${p.version} ${p.state}${p.restarts > 0 ? ` (${p.restarts} restarts)` : ''}`;

export function listReply(plugins: PluginRow[]): string {
  if (plugins.length === 0) return 'No plugins are running.';
  return `Plugins: ${[...plugins]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(row)
    .join(', ')}`;
}

export function statusReply(status: StatusReply): string {
  const plugins = status.tree.children?.find((c) => c.id === 'plugins')?.children ?? [];
  const notRunning = plugins.filter((p) => p.status !== 'running').map((p) => `${p.id} ${p.status}`);
  return (
    `Rosey ${status.version} pid ${status.pid}, up ${duration(status.uptimeMs)}, tree ${status.tree.state ?? status.tree.status}; ` +
    `${plugins.length} plugins${notRunning.length > 0 ? ` (${notRunning.join(', ')})` : ', all running'}.`
  );
}

export function pluginStatusReply(info: PluginInfoReply): string {
  const pid = info.pid !== undefined ? ` pid ${info.pid}` : '';
  const exit = info.lastExit ? `, last exit: ${clip(info.lastExit, 120)}` : '';
  return `${row(info)}, generation ${info.generation}${pid}${info.reloading ? ', reloading' : ''}${exit}`;
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

export function metricsReply(m: CurrentMetrics): string {
  const commands = Object.values(m.counters.commands).reduce((a, b) => a + b, 0);
  const errors = Object.values(m.counters.errors).reduce((a, b) => a + b, 0);
  const plugins = m.plugins.map((p) => `${p.name} ${p.process ? mb(p.process.rss) : p.status}`).join(', ');
  return (
    `Rosey ${mb(m.main.rss)}${m.main.cpuPercent !== undefined ? ` ${Math.round(m.main.cpuPercent)}% CPU` : ''}; ` +
    [
      counted(m.counters.chatLines, 'chat line'),
      counted(commands, 'command'),
      counted(errors, 'error'),
      counted(m.counters.securityViolations, 'security violation'),
    ].join(', ') +
    (plugins ? `; plugins: ${plugins}` : '')
  );
}

/** What a confirmed verb did; `swapped`: the plugin manager's answer to a reload or restart. */
export function doneReply(verb: DestructiveVerb, plugin: string, swapped?: ReloadReply): string {
  if (swapped)
    return `${plugin} ${verb === 'reload' ? 'reloaded' : 'restarted'}: ${swapped.from.version} → ${swapped.to.version} (generation ${swapped.to.generation}).`;
  return `${plugin} ${verb === 'enable' ? 'enabled and started' : 'disabled and stopped'}.`;
}
