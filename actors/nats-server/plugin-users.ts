import type { CapabilityName } from '../../contract/capabilities.js';
import { newPassword, pluginPermissions, pluginUser, type NatsUser } from './credentials.js';

/**
 * The embedded nats-server's users: Rosey's own, and one per plugin with the permissions of its
 * grants. A plugin installed or upgraded while Rosey runs gets its user (or new permissions) here,
 * and the nats-server actor is then asked to reload its configuration with `all()`.
 */
export class PluginUsers {
  private readonly plugins = new Map<string, NatsUser>();
  /** Changed since the server last took the users: a failed reload is tried again next time. */
  private dirty = false;
  /** One reload at a time: they share the server's configuration file. */
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly rosey: NatsUser) {}

  /** Creates the plugin's user or updates its permissions; true when the server's users changed. */
  grant(plugin: string, granted: readonly CapabilityName[]): boolean {
    const permissions = pluginPermissions(plugin, granted);
    const current = this.plugins.get(plugin);
    if (current && JSON.stringify(current.permissions) === JSON.stringify(permissions)) return false;
    this.plugins.set(plugin, {
      user: pluginUser(plugin),
      password: current?.password ?? newPassword(),
      permissions,
    });
    this.dirty = true;
    return true;
  }

  /** Forgets a plugin stopped for good; its connections are dropped once the server reloads. */
  revoke(plugin: string): boolean {
    if (!this.plugins.delete(plugin)) return false;
    this.dirty = true;
    return true;
  }

  get(plugin: string): NatsUser | undefined {
    return this.plugins.get(plugin);
  }

  all(): NatsUser[] {
    return [this.rosey, ...this.plugins.values()];
  }

  private reload?: (users: NatsUser[]) => Promise<void>;

  /** The running nats-server takes new users through this (set by its actor while it runs). */
  attach(reload: (users: NatsUser[]) => Promise<void>): void {
    this.reload = reload;
  }

  detach(): void {
    this.reload = undefined;
  }

  /** Hands the current users to the running server, if they changed; rejects with the reason when it cannot. */
  apply(): Promise<void> {
    const next = this.queue.then(async () => {
      if (!this.dirty) return;
      if (!this.reload) throw new Error('the embedded nats-server is not running (restarting?): try again');
      this.dirty = false;
      try {
        await this.reload(this.all());
      } catch (error) {
        this.dirty = true;
        throw error;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
