import type { CommandInfo, PluginAnnouncement } from '../../kernel/contracts/commands.js';

export interface RegisteredCommand extends CommandInfo {
  plugin: string;
}

export interface PluginEntry {
  generation: number;
  version: string;
  available: boolean;
  commands: RegisteredCommand[];
}

/** Commands by name (aliases included) and the plugins that provide them. */
export interface Registry {
  plugins: Record<string, PluginEntry>;
  commands: Record<string, RegisteredCommand>;
}

export const emptyRegistry = (): Registry => ({ plugins: {}, commands: {} });

/** Built into the router; a plugin cannot take these names. */
export const RESERVED = new Set(['help']);

export interface AnnounceResult {
  registry: Registry;
  /** Names this plugin asked for but another plugin (or the router) already owns. */
  conflicts: string[];
}

/**
 * A plugin generation announced itself: it now owns its commands. An older generation's
 * announcement never replaces a newer one; a name owned by another plugin stays with it.
 */
const pluginEntry = (registry: Registry, plugin: string): PluginEntry | undefined =>
  Object.hasOwn(registry.plugins, plugin) ? registry.plugins[plugin] : undefined;

export function announce(registry: Registry, a: PluginAnnouncement): AnnounceResult {
  const current = pluginEntry(registry, a.plugin);
  if (current && current.generation > a.generation) return { registry, conflicts: [] };
  const commands: Record<string, RegisteredCommand> = {};
  for (const [name, cmd] of Object.entries(registry.commands))
    if (cmd.plugin !== a.plugin) commands[name] = cmd;
  const conflicts: string[] = [];
  const owned: RegisteredCommand[] = [];
  for (const info of a.commands) {
    const cmd: RegisteredCommand = { ...info, plugin: a.plugin };
    for (const name of [info.name, ...info.aliases]) {
      if (RESERVED.has(name) || commands[name]) conflicts.push(name);
      else commands[name] = cmd;
    }
    if (commands[info.name] === cmd) owned.push(cmd);
  }
  return {
    registry: {
      plugins: {
        ...registry.plugins,
        [a.plugin]: { generation: a.generation, version: a.version, available: true, commands: owned },
      },
      commands,
    },
    conflicts,
  };
}

/** The plugin's process went away; its commands stay known so users get a clear "unavailable". */
export function markDown(registry: Registry, plugin: string, generation: number): Registry {
  const entry = pluginEntry(registry, plugin);
  if (!entry || entry.generation !== generation) return registry;
  return { ...registry, plugins: { ...registry.plugins, [plugin]: { ...entry, available: false } } };
}

export function lookup(registry: Registry, name: string): RegisteredCommand | undefined {
  return Object.hasOwn(registry.commands, name) ? registry.commands[name] : undefined;
}

/** Primary names of the commands a user of `rank` may run, sorted. */
export function visibleCommands(registry: Registry, rank: number): RegisteredCommand[] {
  const seen = new Set<RegisteredCommand>();
  for (const cmd of Object.values(registry.commands)) {
    if (cmd.minRank <= rank && pluginEntry(registry, cmd.plugin)?.available) seen.add(cmd);
  }
  return [...seen].sort((x, y) => x.name.localeCompare(y.name));
}
