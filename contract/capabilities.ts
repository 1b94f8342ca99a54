import { subjects } from './subjects.js';

/**
 * What a plugin may do beyond answering the commands it is sent. A plugin declares the capabilities
 * it needs in `manifest.yaml` (`permissions:`); everything else is denied. Enforcement is outside
 * the plugin: its NATS user may publish only on the subjects of its granted capabilities, and the
 * action gate re-checks every action against the grants before a connector sees it.
 */
export interface Capability {
  description: string;
  /** Subjects the plugin's NATS user may publish on with this capability. */
  publish(plugin: string): string[];
  /** Channel events the plugin's NATS user may subscribe to with it, only in its own queue group. */
  events?: readonly string[];
  /** False: recorded and shown, but Rosey cannot stop a plugin process from doing it (see docs/permissions.md). */
  enforced: boolean;
}

export const CAPABILITIES = {
  'chat.send': {
    description: 'post lines in the channel on its own (replies to commands need no capability)',
    publish: (p) => [subjects.action(p, 'chat.send')],
    enforced: true,
  },
  'chat.pm': {
    description: 'send private messages on its own',
    publish: (p) => [subjects.action(p, 'chat.pm')],
    enforced: true,
  },
  'playlist.add': {
    description: 'add media to the playlist',
    publish: (p) => [subjects.action(p, 'playlist.add')],
    enforced: true,
  },
  'playlist.delete': {
    description: 'remove playlist items',
    publish: (p) => [subjects.action(p, 'playlist.delete')],
    enforced: true,
  },
  'playlist.move': {
    description: 'reorder the playlist and jump to an item',
    publish: (p) => [subjects.action(p, 'playlist.move'), subjects.action(p, 'playlist.jump')],
    enforced: true,
  },
  'users.kick': {
    description: 'kick users from the channel',
    publish: (p) => [subjects.action(p, 'users.kick')],
    enforced: true,
  },
  'users.afk': {
    description: "mark the bot itself AFK or back (its own status, nobody else's)",
    publish: (p) => [subjects.action(p, 'users.afk')],
    enforced: true,
  },
  'channel.read': {
    description: 'read who is in the channel, the playlist and what plays now',
    publish: (p) => [subjects.action(p, 'channel.read')],
    enforced: true,
  },
  storage: {
    description: 'its own key-value store, tables and migrations, and records in the audit log',
    publish: (p) => [subjects.kv(p, '*'), subjects.row(p, '*'), `rosey.db.migrate.${p}.*`, subjects.audit(p)],
    enforced: true,
  },
  'events.chat': {
    description: 'hear every chat line and private message to the bot, not only commands',
    publish: () => [],
    events: [subjects.message, subjects.pm],
    enforced: true,
  },
  'events.users': {
    description:
      'hear who is in the channel when the bot comes, and users join, leave, change rank and go AFK',
    publish: () => [],
    events: ['user.list', 'user.join', 'user.leave', 'user.rank', 'user.afk'].map((k) => `rosey.events.${k}`),
    enforced: true,
  },
  'events.media': {
    description: 'hear the media change and the playlist change',
    publish: () => [],
    events: ['media.change', 'playlist.add', 'playlist.delete', 'playlist.move', 'playlist.reset'].map(
      (k) => `rosey.events.${k}`,
    ),
    enforced: true,
  },
  'net.http': {
    description: 'make HTTP requests (declared for the operator to see; Node 20 cannot block it)',
    publish: () => [],
    enforced: false,
  },
} satisfies Record<string, Capability>;

export type CapabilityName = keyof typeof CAPABILITIES;

export const CAPABILITY_NAMES = Object.keys(CAPABILITIES) as CapabilityName[];

export const isCapability = (name: string): name is CapabilityName => Object.hasOwn(CAPABILITIES, name);

/** Actions a plugin performs through the gate, each needing the capability of the same name (jump: playlist.move). */
export const ACTIONS = [
  'chat.send',
  'chat.pm',
  'playlist.add',
  'playlist.delete',
  'playlist.move',
  'playlist.jump',
  'users.kick',
  'users.afk',
  'channel.read',
] as const;
export type ActionName = (typeof ACTIONS)[number];

export const capabilityOfAction = (action: ActionName): CapabilityName =>
  action === 'playlist.jump' ? 'playlist.move' : action;

/** What the operator's config does to a plugin's request. */
export interface GrantOverrides {
  grant?: readonly string[];
  revoke?: readonly string[];
}

export interface Grants {
  requested: CapabilityName[];
  granted: CapabilityName[];
  /** Requested, taken away by the operator. */
  revoked: CapabilityName[];
  /** Not requested, given by the operator. */
  extra: CapabilityName[];
}

/** Granted = what the manifest requests, minus what the operator revokes, plus what it grants. */
export function resolveGrants(requested: readonly string[], overrides: GrantOverrides = {}): Grants {
  const known = (names: readonly string[] = []) => [...new Set(names.filter(isCapability))].sort();
  const asked = known(requested);
  const revoke = new Set(known(overrides.revoke));
  const grant = known(overrides.grant);
  const granted = [...new Set([...asked.filter((c) => !revoke.has(c)), ...grant])].sort();
  return {
    requested: asked,
    granted,
    revoked: asked.filter((c) => revoke.has(c) && !grant.includes(c)),
    extra: grant.filter((c) => !asked.includes(c)),
  };
}

/** A loaded plugin's grants under the operator's `plugins.settings.<name>.permissions`. */
export function pluginGrants(
  plugin: { manifest: { name: string; permissions: readonly string[] } },
  config: { plugins: { settings: Record<string, { permissions?: GrantOverrides } | undefined> } },
): Grants {
  return resolveGrants(
    plugin.manifest.permissions,
    config.plugins.settings[plugin.manifest.name]?.permissions,
  );
}

/** The plugin's NATS publish subjects its capabilities add (see actors/nats-server/credentials.ts). */
export function capabilitySubjects(plugin: string, granted: readonly CapabilityName[]): string[] {
  return granted.flatMap((c) => CAPABILITIES[c].publish(plugin));
}

/**
 * The queue group a plugin's event subscriptions join: every generation of the plugin shares it, so
 * NATS hands each event to exactly one of them during a blue-green reload (docs/plugin-sdk.md#events).
 */
export const eventQueue = (plugin: string) => `plugin.${plugin}`;

/**
 * The plugin's NATS subscribe entries its capabilities add: each event subject pinned to the
 * plugin's own queue group (`"<subject> <queue>"`), so it can neither listen outside the group
 * (and hear events twice during a reload) nor join another plugin's group.
 */
export function capabilitySubscriptions(plugin: string, granted: readonly CapabilityName[]): string[] {
  return granted.flatMap((c) => {
    const events: readonly string[] = (CAPABILITIES[c] as Capability).events ?? [];
    return events.map((subject) => `${subject} ${eventQueue(plugin)}`);
  });
}

/** The capability that lets a plugin hear events on `subject`, if any. */
export function capabilityOfEvent(subject: string): CapabilityName | undefined {
  return CAPABILITY_NAMES.find((c) => ((CAPABILITIES[c] as Capability).events ?? []).includes(subject));
}

/** `rosey.actions.<plugin>.<action>` → who asked for what; undefined for any other subject. */
export function parseActionSubject(subject: string): { plugin: string; action: ActionName } | undefined {
  const match = /^rosey\.actions\.([^.]+)\.(.+)$/.exec(subject);
  if (!match) return undefined;
  const action = match[2] as ActionName;
  return ACTIONS.includes(action) ? { plugin: match[1]!, action } : undefined;
}
