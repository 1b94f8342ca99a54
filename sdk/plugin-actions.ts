import type { NatsConnection } from '../contract/nats.js';
import { request } from '../contract/request.js';
import { capabilityOfAction, type ActionName } from '../contract/capabilities.js';
import { subjects } from '../contract/subjects.js';
import { channelViewSchema, type ChannelView } from '../contract/messages/actions.js';
import { validate } from '../contract/validate.js';

/** An action Rosey refused or could not carry out; `code` as in docs/subjects.md (FORBIDDEN, NOT_FOUND, …). */
export class ActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

/** Where an action goes: a platform (`cytube`, `console`) and its channel. Default: Rosey's first platform. */
export interface Where {
  platform?: string;
  channel?: string;
}

export type Media = string | { type: string; id: string };

/**
 * What a plugin does on its own, beyond replying to a command: each needs the capability of the
 * same name in the manifest's `permissions` (docs/permissions.md), or it throws an `ActionError`
 * with code FORBIDDEN and Rosey records a security violation.
 */
export class PluginActions {
  constructor(
    private readonly nc: NatsConnection,
    private readonly plugin: string,
    private readonly where: Where = {},
    private readonly timeoutMs = 15_000,
  ) {}

  /** The same actions aimed at another platform or channel. */
  in(where: Where): PluginActions {
    return new PluginActions(this.nc, this.plugin, where, this.timeoutMs);
  }

  private async act(
    action: ActionName,
    payload: Record<string, unknown>,
    where: Where = {},
  ): Promise<unknown> {
    // An option left undefined keeps the default (the command's platform and channel).
    const given = Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)) as Where;
    const target = { ...this.where, ...given };
    const result = await request(
      this.nc,
      subjects.action(this.plugin, action),
      { ...target, ...payload },
      {
        timeoutMs: this.timeoutMs,
      },
    );
    if (result.ok) return result.data;
    if (result.error.code === 'FORBIDDEN' && result.error.message.includes('Permissions Violation'))
      throw new ActionError(
        'FORBIDDEN',
        `${this.plugin} may not ${action}: '${capabilityOfAction(action)}' is not granted (add it to permissions in manifest.yaml; the operator may also have revoked it)`,
      );
    throw new ActionError(result.error.code, result.error.message);
  }

  readonly chat = {
    /** Posts a line in the channel (capability `chat.send`). */
    send: (text: string, where?: Where) => this.act('chat.send', { text }, where),
    /** Sends a private message (capability `chat.pm`). */
    pm: (to: string, text: string, where?: Where) => this.act('chat.pm', { to, text }, where),
  };

  readonly playlist = {
    /** Adds a link, or a platform `(type, id)` pair (capability `playlist.add`). */
    add: (media: Media, options: { pos?: 'end' | 'next'; temp?: boolean } & Where = {}) => {
      const { platform, channel, ...rest } = options;
      const ref = typeof media === 'string' ? { link: media } : { type: media.type, id: media.id };
      return this.act('playlist.add', { ...ref, ...rest }, { platform, channel });
    },
    /** Removes an item by its uid (capability `playlist.delete`). */
    delete: (uid: number, where?: Where) => this.act('playlist.delete', { uid }, where),
    /** Moves an item after another, or to the top (capability `playlist.move`). */
    move: (uid: number, after: number | 'prepend', where?: Where) =>
      this.act('playlist.move', { uid, after }, where),
    /** Plays an item now (capability `playlist.move`). */
    jump: (uid: number, where?: Where) => this.act('playlist.jump', { uid }, where),
  };

  /**
   * Who is in the channel, the playlist and what plays now (capability `channel.read`). The
   * answer is checked against its schema: a malformed one throws `ActionError` `INTERNAL`.
   */
  readonly channelView = async (where?: Where): Promise<ChannelView> => {
    const checked = validate(channelViewSchema, await this.act('channel.read', {}, where));
    if (!checked.ok) throw new ActionError('INTERNAL', `channel.read: ${checked.error.message}`);
    return checked.data;
  };

  readonly users = {
    /** Kicks a user from the channel (capability `users.kick`). */
    kick: (user: string, reason?: string, where?: Where) =>
      this.act('users.kick', reason === undefined ? { user } : { user, reason }, where),
    /**
     * Marks the bot itself AFK (`true`) or back (`false`); toggles without `afk` (capability
     * `users.afk`). Resolves with `{afk}`, the status asked for.
     */
    afk: (afk?: boolean, where?: Where) => this.act('users.afk', afk === undefined ? {} : { afk }, where),
  };
}
