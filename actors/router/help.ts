import { ADMIN_COMMAND } from '../../contract/messages/admin.js';
import { waitingCommands } from './installed.js';
import { lookup, visibleCommands, type Registry } from './registry.js';

/**
 * `!help` and `!help <command>` answers, short enough for one chat line. Commands of installed
 * plugins that are not serving yet are listed too, marked, so `!help` tells the same truth as the
 * commands themselves (issue 28).
 */
export function helpText(registry: Registry, prefix: string, rank: number, topic?: string): string {
  const waiting = waitingCommands(registry, rank);
  if (!topic) {
    const serving = visibleCommands(registry, rank).map((c) => ({ name: c.name, mark: '' }));
    const starting = waiting.map((c) => ({ name: c.name, mark: ' (starting)' }));
    const all = [...serving, ...starting].sort((x, y) => x.name.localeCompare(y.name));
    if (all.length === 0) return `No commands are available right now.`;
    return `Commands: ${all.map((c) => `${prefix}${c.name}${c.mark}`).join(', ')} — ${prefix}help <command> for details.`;
  }
  const name = topic.replace(new RegExp(`^${escape(prefix)}`), '').toLowerCase();
  if (name === 'help') return `${prefix}help [command] — list commands, or explain one.`;
  // Not in the list above: only the admins named in the config may use it (actors/admin).
  if (name === ADMIN_COMMAND)
    return `${prefix}${ADMIN_COMMAND} help|list|status|reload|restart|enable|disable|metrics — for Rosey's admins only; answers come by PM.`;
  const starting = waiting.find((c) => c.name === name || c.aliases.includes(name));
  const cmd = starting ?? lookup(registry, name);
  if (!cmd || cmd.minRank > rank) return `No command ${prefix}${name}. Try ${prefix}help.`;
  const aliases = cmd.aliases.length > 0 ? ` (also ${cmd.aliases.map((a) => prefix + a).join(', ')})` : '';
  const description = cmd.description ? ` — ${cmd.description}` : '';
  const mark = starting ? ` (${starting.plugin} is starting)` : '';
  return `${prefix}${cmd.usage}${description}${aliases}${mark}`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
