/** How a user looks in userlist/addUser/setUserMeta: moderators see aliases and a cloaked IP. */
import { createHash } from 'node:crypto';
import type { Session } from './session.js';

/**
 * Four 3-character groups, one per IPv4 prefix, so clients on the same /24 share the first three
 * groups (as in the recordings, e.g. "yFA.j8g.MQG.7IE").
 */
export function cloakIp(ip: string): string {
  const parts = ip.split('.');
  return parts
    .map((_, i) =>
      createHash('sha256')
        .update(`fake-cytube:${parts.slice(0, i + 1).join('.')}`)
        .digest('base64')
        .slice(0, 3),
    )
    .join('.');
}

export function userMeta(s: Session, modView: boolean, aliases: string[]): Record<string, unknown> {
  // A shadow mute is invisible to everyone but moderators, so ordinary users see muted:false.
  if (!modView) return { afk: s.afk, muted: s.muted && !s.smuted };
  return { afk: s.afk, muted: s.muted, smuted: s.smuted, aliases, ip: cloakIp(s.ip) };
}

export function userEntry(s: Session, modView: boolean, aliases: string[]): Record<string, unknown> {
  return {
    name: s.user?.name ?? '',
    rank: s.rank,
    profile: { image: '', text: '' },
    meta: userMeta(s, modView, aliases),
  };
}
