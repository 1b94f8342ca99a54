import type { NatsEndpoint } from '../actors/bus/connect.js';
import { newPassword, pluginInboxPrefix, ROSEY_USER } from '../actors/nats-server/credentials.js';
import { PluginUsers } from '../actors/nats-server/plugin-users.js';
import { pluginGrants, type CapabilityName } from '../contract/capabilities.js';
import type { LoadedPlugin } from '../plugin-packages/manifest.js';
import { findFreePort } from '../process/free-port.js';
import type { RoseyConfig } from './config/schema.js';
import type { RoseyTreeOptions } from './tree.js';

/** How one plugin process connects: its own user where there is one, and its own reply inbox. */
export type PluginAccess = (plugin: string) => { endpoint: NatsEndpoint; inboxPrefix?: string };

export interface NatsAccess {
  nats: RoseyTreeOptions['nats'];
  pluginNats: PluginAccess;
  warning?: string;
}

/**
 * An embedded nats-server on a free loopback port: Rosey's own user (all permissions) and one user
 * per plugin, limited to the subjects of its granted capabilities.
 */
export async function embeddedNats(
  granted: Iterable<[plugin: string, CapabilityName[]]>,
  binary: string,
): Promise<NatsAccess> {
  const port = await findFreePort();
  const url = `nats://127.0.0.1:${port}`;
  const users = new PluginUsers({ user: ROSEY_USER, password: newPassword() });
  for (const [plugin, capabilities] of granted) users.grant(plugin, capabilities);
  const { rosey } = users;
  return {
    nats: { url, user: rosey.user, pass: rosey.password, embedded: { port, binary, users } },
    pluginNats: (plugin) => {
      // Looked up at each start: a plugin installed while Rosey runs has its user by then.
      const own = users.get(plugin);
      return own
        ? { endpoint: { url, user: own.user, pass: own.password }, inboxPrefix: pluginInboxPrefix(plugin) }
        : // Never Rosey's own password: without a user of its own, the plugin fails to connect.
          { endpoint: { url } };
    },
  };
}

/**
 * How Rosey and each plugin connect. With the embedded server every plugin gets its own user,
 * limited to its own subjects; with an external server plugins use the users configured under
 * `nats.plugins`, or Rosey's own credentials (no isolation: said once in the log).
 */
export async function natsAccess(config: RoseyConfig, plugins: LoadedPlugin[]): Promise<NatsAccess> {
  if (config.nats.url === undefined) {
    return embeddedNats(
      plugins.map((p) => [p.manifest.name, pluginGrants(p, config).granted]),
      config.nats.binary,
    );
  }
  const core = {
    url: config.nats.url,
    token: config.nats.token,
    user: config.nats.user,
    pass: config.nats.password,
  };
  const shared = plugins.map((p) => p.manifest.name).filter((name) => !config.nats.plugins[name]);
  return {
    warning:
      shared.length > 0
        ? `plugins without their own NATS user (nats.plugins) share Rosey's and are not isolated: ${shared.join(', ')}`
        : undefined,
    nats: core,
    pluginNats: (plugin) => {
      const own = config.nats.plugins[plugin];
      return own
        ? {
            endpoint: { url: core.url, user: own.user, pass: own.password },
            inboxPrefix: pluginInboxPrefix(plugin),
          }
        : { endpoint: core };
    },
  };
}
