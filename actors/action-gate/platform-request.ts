import type { ActionName } from '../../contract/capabilities.js';
import { err, ok, type Result } from '../../contract/result.js';
import { subjects } from '../../contract/subjects.js';

/**
 * The connector request that carries out a plugin's action: its subject on the chosen platform and
 * the payload without the gate's own `platform` field.
 */
export function platformRequest(
  action: ActionName,
  data: Record<string, unknown>,
  platforms: readonly string[],
): Result<{ subject: string; payload: Record<string, unknown> }> {
  const { platform: asked, ...payload } = data as { platform?: string } & Record<string, unknown>;
  const platform = asked ?? platforms[0];
  if (platform === undefined) return err('NOT_FOUND', 'Rosey runs no chat platform to carry this out');
  if (!platforms.includes(platform))
    return err('NOT_FOUND', `no platform '${platform}' (running: ${platforms.join(', ')})`);
  const subject =
    action === 'chat.send'
      ? subjects.sendChat(platform)
      : action === 'chat.pm'
        ? subjects.sendPm(platform)
        : action === 'users.kick'
          ? subjects.sendKick(platform)
          : subjects.sendPlaylist(
              platform,
              action.slice('playlist.'.length) as 'add' | 'delete' | 'move' | 'jump',
            );
  return ok({ subject, payload });
}
