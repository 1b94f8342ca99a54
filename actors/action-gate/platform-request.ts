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
  return ok({ subject: subjectOf(action, platform), payload });
}

function subjectOf(action: ActionName, platform: string): string {
  switch (action) {
    case 'chat.send':
      return subjects.sendChat(platform);
    case 'chat.pm':
      return subjects.sendPm(platform);
    case 'users.kick':
      return subjects.sendKick(platform);
    case 'users.afk':
      return subjects.sendAfk(platform);
    case 'channel.read':
      return subjects.platformView(platform);
    case 'playlist.add':
    case 'playlist.delete':
    case 'playlist.move':
    case 'playlist.jump':
      return subjects.sendPlaylist(
        platform,
        action.slice('playlist.'.length) as 'add' | 'delete' | 'move' | 'jump',
      );
  }
}
