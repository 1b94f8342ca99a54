import { lookup, visibleCommands, type Registry } from './registry.js';

/** `!help` and `!help <command>` answers, short enough for one chat line. */
export function helpText(registry: Registry, prefix: string, rank: number, topic?: string): string {
  if (!topic) {
    const names = visibleCommands(registry, rank).map((c) => `${prefix}${c.name}`);
    if (names.length === 0) return `No commands are available right now.`;
    return `Commands: ${names.join(', ')} — ${prefix}help <command> for details.`;
  }
  const name = topic.replace(new RegExp(`^${escape(prefix)}`), '').toLowerCase();
  if (name === 'help') return `${prefix}help [command] — list commands, or explain one.`;
  const cmd = lookup(registry, name);
  if (!cmd || cmd.minRank > rank) return `No command ${prefix}${name}. Try ${prefix}help.`;
  const aliases = cmd.aliases.length > 0 ? ` (also ${cmd.aliases.map((a) => prefix + a).join(', ')})` : '';
  const description = cmd.description ? ` — ${cmd.description}` : '';
  return `${prefix}${cmd.usage}${description}${aliases}`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
