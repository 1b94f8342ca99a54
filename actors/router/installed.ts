import type { CommandInfo, PluginAnnouncement } from '../../contract/messages/commands.js';
import { lookup, RESERVED, type InstalledEntry, type Registry } from './registry.js';

/**
 * A plugin Rosey runs, known before its process announces itself (issue 28): a restarted router
 * must not call `!roll` unknown just because dice has not said hello yet.
 */
export interface InstalledPlugin {
  name: string;
  version: string;
  /** What this version declared when it last ran (remembered across restarts); absent: never seen. */
  commands?: CommandInfo[];
}

const own = <T>(record: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

export function installedEntries(list: readonly InstalledPlugin[]): Record<string, InstalledEntry> {
  return Object.fromEntries(
    list.map((p) => [
      p.name,
      p.commands ? { version: p.version, commands: p.commands } : { version: p.version },
    ]),
  );
}

export const isInstalled = (registry: Registry, plugin: string): boolean =>
  own(registry.installed, plugin) !== undefined;

/** A generation of the plugin has announced itself and is routed to. */
export const isServing = (registry: Registry, plugin: string): boolean =>
  own(registry.plugins, plugin)?.available === true;

/**
 * The plugin a command name belongs to: the one routed to, else an installed plugin that declared
 * the name when it last ran (a name taken by a routed plugin stays with it).
 */
export function ownerOf(registry: Registry, name: string): string | undefined {
  const routed = lookup(registry, name);
  if (routed) return routed.plugin;
  if (RESERVED.has(name)) return undefined;
  for (const [plugin, entry] of Object.entries(registry.installed)) {
    if (own(registry.plugins, plugin)) continue;
    if (entry.commands?.some((c) => c.name === name || c.aliases.includes(name))) return plugin;
  }
  return undefined;
}

/** Installed plugins still starting whose commands are not known: any name may be theirs. */
export function undeclared(registry: Registry): string[] {
  return (
    Object.entries(registry.installed)
      // One that went down before it ever announced is not "starting" any more: names are not held for it.
      .filter(([plugin, entry]) => !own(registry.plugins, plugin) && !entry.commands && !entry.failure)
      .map(([plugin]) => plugin)
      .sort()
  );
}

/**
 * Installed plugins that went down before they ever announced (a syntax error, a throw at load): an
 * unknown name may be one of theirs, so its answer names them (issue 22).
 */
export function failedUndeclared(registry: Registry): string[] {
  return Object.entries(registry.installed)
    .filter(([plugin, entry]) => !own(registry.plugins, plugin) && !entry.commands && entry.failure)
    .map(([plugin]) => plugin)
    .sort();
}

/** Installed (again) while Rosey runs: `rosey plugin install/enable/start`. */
export function install(registry: Registry, plugin: string, version: string): Registry {
  const current = own(registry.installed, plugin);
  const entry: InstalledEntry =
    current?.version === version ? { ...current, failure: undefined } : { version };
  return { ...registry, installed: { ...registry.installed, [plugin]: entry } };
}

/** Removed while Rosey runs: its commands are unknown again. */
export function uninstall(registry: Registry, plugin: string): Registry {
  const drop = <T>(record: Record<string, T>): Record<string, T> => {
    const kept = { ...record };
    delete kept[plugin];
    return kept;
  };
  const commands = Object.fromEntries(
    Object.entries(registry.commands).filter(([, c]) => c.plugin !== plugin),
  );
  return {
    plugins: drop(registry.plugins),
    commands,
    standby: drop(registry.standby),
    pinned: drop(registry.pinned),
    installed: drop(registry.installed),
  };
}

/** A routed announcement: its commands are what the plugin declares now, and it is no longer down. */
export function noteAnnounced(registry: Registry, a: PluginAnnouncement): Registry {
  if (!isInstalled(registry, a.plugin)) return registry;
  return {
    ...registry,
    installed: { ...registry.installed, [a.plugin]: { version: a.version, commands: a.commands } },
  };
}

/** The plugin's current generation went down; `stopped` is no failure (a stop or a shutdown). */
export function noteDown(registry: Registry, plugin: string, generation: number, reason: string): Registry {
  const entry = own(registry.installed, plugin);
  const routed = own(registry.plugins, plugin);
  // Another generation's end (a reload's new one that failed, the old one after a switch) says
  // nothing about the one commands go to.
  if (!entry || reason === 'stopped' || (routed && routed.generation !== generation)) return registry;
  return { ...registry, installed: { ...registry.installed, [plugin]: { ...entry, failure: reason } } };
}

export const failureOf = (registry: Registry, plugin: string): string | undefined =>
  own(registry.installed, plugin)?.failure;

/** Commands of installed plugins that are not serving, for `!help` (names a routed plugin owns excluded). */
export function waitingCommands(registry: Registry, rank: number): Array<CommandInfo & { plugin: string }> {
  const out: Array<CommandInfo & { plugin: string }> = [];
  for (const [plugin, entry] of Object.entries(registry.installed)) {
    if (isServing(registry, plugin)) continue;
    const routed = own(registry.plugins, plugin);
    const commands = routed ? routed.commands : (entry.commands ?? []);
    for (const c of commands) {
      if (c.minRank > rank || RESERVED.has(c.name)) continue;
      const taken = lookup(registry, c.name);
      if (taken && taken.plugin !== plugin) continue;
      out.push({ ...c, plugin });
    }
  }
  return out;
}
