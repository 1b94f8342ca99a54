import { ADMIN_COMMAND } from '../../contract/messages/admin.js';
import type { CommandInfo, PluginAnnouncement } from '../../contract/messages/commands.js';

export interface RegisteredCommand extends CommandInfo {
  plugin: string;
}

export interface PluginEntry {
  generation: number;
  version: string;
  available: boolean;
  commands: RegisteredCommand[];
  /** What the generation announced, kept so a route can switch back to it. */
  announcement: PluginAnnouncement;
}

/** An installed plugin as the router knows it (actors/router/installed.ts). */
export interface InstalledEntry {
  version: string;
  /** What this version declared when it last ran; absent: not known yet. */
  commands?: CommandInfo[];
  /** Why its current generation went down, until one announces itself again. */
  failure?: string;
}

/** Commands by name (aliases included) and the plugins that provide them. */
export interface Registry {
  /** The generation of each plugin that commands are routed to. */
  plugins: Record<string, PluginEntry>;
  commands: Record<string, RegisteredCommand>;
  /**
   * Generations that announced themselves but are not routed to: during a blue-green reload, the
   * new one before the switch and the old one after it (until it stops).
   */
  standby: Record<string, Record<number, PluginAnnouncement>>;
  /** Plugins whose route was set explicitly (a reload): announcements no longer move it. */
  pinned: Record<string, number>;
  /**
   * The plugins Rosey runs, announced or not (actors/router/installed.ts). Commands of a plugin not
   * in here (tests' plugins played over the bus) are known only once announced, as before issue 28.
   */
  installed: Record<string, InstalledEntry>;
}

export const emptyRegistry = (): Registry => ({
  plugins: {},
  commands: {},
  standby: {},
  pinned: {},
  installed: {},
});

/** Built into Rosey (`!admin`: actors/admin, which the router leaves it to); a plugin cannot take these names. */
export const RESERVED = new Set(['help', ADMIN_COMMAND]);

export interface AnnounceResult {
  registry: Registry;
  /** Names this plugin asked for but another plugin (or the router) already owns. */
  conflicts: string[];
}

const own = <T>(record: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

const pluginEntry = (registry: Registry, plugin: string): PluginEntry | undefined =>
  own(registry.plugins, plugin);

function withStandby(registry: Registry, a: PluginAnnouncement): Registry {
  return {
    ...registry,
    standby: { ...registry.standby, [a.plugin]: { ...own(registry.standby, a.plugin), [a.generation]: a } },
  };
}

function withoutStandby(registry: Registry, plugin: string, generation: number): Registry {
  const kept = { ...own(registry.standby, plugin) };
  if (!(generation in kept)) return registry;
  delete kept[generation];
  const standby = { ...registry.standby, [plugin]: kept };
  if (Object.keys(kept).length === 0) delete standby[plugin];
  return { ...registry, standby };
}

/**
 * A plugin generation announced itself. Unless the plugin's route is pinned, the newest generation
 * owns its commands (a restart of the same generation refreshes them); an older one, or any other
 * than the pinned one, waits on standby. A name owned by another plugin stays with it.
 */
export function announce(registry: Registry, a: PluginAnnouncement): AnnounceResult {
  const current = pluginEntry(registry, a.plugin);
  const pin = own(registry.pinned, a.plugin);
  const routed = pin === undefined ? !current || current.generation <= a.generation : pin === a.generation;
  if (!routed) return { registry: withStandby(registry, a), conflicts: [] };
  return activate(withoutStandby(registry, a.plugin, a.generation), a);
}

function activate(registry: Registry, a: PluginAnnouncement): AnnounceResult {
  const current = pluginEntry(registry, a.plugin);
  // The generation routed to until now stays reachable for a switch back (a reload's rollback).
  const base =
    current && current.generation !== a.generation && current.available
      ? withStandby(registry, current.announcement)
      : registry;
  const commands: Record<string, RegisteredCommand> = {};
  for (const [name, cmd] of Object.entries(base.commands)) if (cmd.plugin !== a.plugin) commands[name] = cmd;
  const conflicts: string[] = [];
  const owned: RegisteredCommand[] = [];
  for (const info of a.commands) {
    const cmd: RegisteredCommand = { ...info, plugin: a.plugin };
    for (const name of [info.name, ...info.aliases]) {
      // own(): `commands.constructor` is Object's, and `constructor` a valid command name.
      if (RESERVED.has(name) || own(commands, name)) conflicts.push(name);
      else commands[name] = cmd;
    }
    if (own(commands, info.name) === cmd) owned.push(cmd);
  }
  return {
    registry: {
      ...base,
      plugins: {
        ...base.plugins,
        [a.plugin]: {
          generation: a.generation,
          version: a.version,
          available: true,
          commands: owned,
          announcement: a,
        },
      },
      commands,
    },
    conflicts,
  };
}

export type RouteResult =
  | {
      ok: true;
      registry: Registry;
      previous?: number;
      conflicts: string[];
      /** The announcement of a generation that waited on standby and is routed to now. */
      activated?: PluginAnnouncement;
    }
  | { ok: false; reason: string };

/**
 * Routes the plugin's commands to `generation` from now on and pins the route there (a blue-green
 * switch, or a rollback). The generation must have announced itself.
 */
export function route(registry: Registry, plugin: string, generation: number): RouteResult {
  const current = pluginEntry(registry, plugin);
  const pinned = { ...registry.pinned, [plugin]: generation };
  if (current?.generation === generation) {
    if (!current.available) return { ok: false, reason: `${plugin} generation ${generation} is down` };
    return { ok: true, registry: { ...registry, pinned }, previous: generation, conflicts: [] };
  }
  const waiting = own(own(registry.standby, plugin) ?? {}, String(generation));
  if (!waiting) return { ok: false, reason: `${plugin} generation ${generation} has not announced itself` };
  const { registry: next, conflicts } = activate(
    withoutStandby({ ...registry, pinned }, plugin, generation),
    waiting,
  );
  return { ok: true, registry: next, previous: current?.generation, conflicts, activated: waiting };
}

/** The route goes back to following the newest generation (a reload has finished). */
export function unpin(registry: Registry, plugin: string): Registry {
  if (own(registry.pinned, plugin) === undefined) return registry;
  const pinned = { ...registry.pinned };
  delete pinned[plugin];
  return { ...registry, pinned };
}

/** The plugin's process went away; its commands stay known so users get a clear "unavailable". */
export function markDown(registry: Registry, plugin: string, generation: number): Registry {
  const unwaited = withoutStandby(registry, plugin, generation);
  const entry = pluginEntry(unwaited, plugin);
  if (!entry || entry.generation !== generation) return unwaited;
  return { ...unwaited, plugins: { ...unwaited.plugins, [plugin]: { ...entry, available: false } } };
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
