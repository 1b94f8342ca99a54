import { randomBytes } from 'node:crypto';
import {
  capabilitySubjects,
  capabilitySubscriptions,
  type CapabilityName,
} from '../../contract/capabilities.js';
import { PLUGIN_NAME, pluginInboxPrefix, subjects } from '../../contract/subjects.js';

export { pluginInboxPrefix };

/**
 * Who may do what on the embedded NATS server. Rosey's own user may do everything; each plugin
 * process gets its own user that can only publish on its own lifecycle subjects and on those of the
 * capabilities it was granted (storage, chat, playlist, kicks), and only subscribe to its commands, its lifecycle
 * subjects, the discovery broadcast, its own reply inbox and, with an `events.*` capability, those
 * channel events in its own queue group. It may answer requests it received.
 * So a plugin cannot even ask for another plugin's data: the subject is refused by the server.
 */
export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
  allow_responses: boolean;
}

export interface NatsUser {
  user: string;
  password: string;
  /** Absent: everything is allowed (Rosey itself). */
  permissions?: NatsPermissions;
}

export const ROSEY_USER = 'rosey';

export const pluginUser = (plugin: string) => `plugin-${plugin}`;

/**
 * A plugin's NATS permissions: its lifecycle subjects always, and the subjects of the capabilities
 * it was granted (contract/capabilities.ts); nothing else. Throws on a name that is not a plugin
 * name: a `*`, `>` or `.` in it would reach other plugins' subjects.
 */
export function pluginPermissions(plugin: string, granted: readonly CapabilityName[]): NatsPermissions {
  if (!PLUGIN_NAME.test(plugin)) throw new Error(`${JSON.stringify(plugin)} is not a plugin name`);
  return {
    publish: {
      allow: [`rosey.plugins.${plugin}.>`, ...capabilitySubjects(plugin, granted)],
    },
    subscribe: {
      allow: [
        `rosey.commands.${plugin}.*.execute`,
        `rosey.plugins.${plugin}.>`,
        subjects.pluginsDiscover,
        `${pluginInboxPrefix(plugin)}.>`,
        ...capabilitySubscriptions(plugin, granted),
      ],
    },
    allow_responses: true,
  };
}

export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** The `authorization` block of a nats-server configuration file (NATS config accepts JSON values). */
export function authorizationBlock(users: NatsUser[]): string {
  return `authorization: ${JSON.stringify({ users }, null, 2)}`;
}
