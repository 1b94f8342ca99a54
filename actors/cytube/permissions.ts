/**
 * What the bot may do in the channel, from CyTube's `setPermissions` (action → lowest rank). The
 * server refuses many actions without a word (see the transcripts), so the connector checks first
 * and refuses with a reason instead of sending into silence.
 */
export type Permissions = Record<string, number>;

/** CyTube's defaults for a fresh channel (recorded), used until `setPermissions` arrives. */
export const DEFAULT_PERMISSIONS: Permissions = {
  seeplaylist: -1,
  playlistadd: 1.5,
  playlistnext: 1.5,
  playlistmove: 1.5,
  playlistdelete: 2,
  playlistjump: 1.5,
  oplaylistadd: -1,
  oplaylistnext: 1.5,
  oplaylistmove: 1.5,
  oplaylistdelete: 2,
  oplaylistjump: 1.5,
  playlistaddcustom: 3,
  playlistaddlive: 1.5,
  addnontemp: 2,
  chat: 0,
  kick: 1.5,
};

/** Media types CyTube counts as live (they need `playlistaddlive`). */
const LIVE_TYPES = new Set(['tw', 'hl', 'rt', 'cu', 'cm']);

export type PlaylistAction = 'add' | 'next' | 'move' | 'delete' | 'jump';

/** The permission key for a playlist action: an unlocked ("open") playlist has its own keys. */
export function playlistPermission(action: PlaylistAction, locked: boolean): string {
  const key = action === 'add' ? 'playlistadd' : `playlist${action}`;
  return locked ? key : `o${key}`;
}

export interface Refusal {
  permission: string;
  needs: number;
  rank: number;
}

export function check(perms: Permissions, rank: number, permission: string): Refusal | undefined {
  const needs = perms[permission] ?? DEFAULT_PERMISSIONS[permission] ?? 0;
  return rank >= needs ? undefined : { permission, needs, rank };
}

/**
 * Every permission a queue of this media needs, in the order CyTube checks them. (`addnontemp` is
 * not one: without it CyTube quietly makes the item temporary instead of refusing.)
 */
export function queuePermissions(type: string, pos: 'end' | 'next', locked: boolean): string[] {
  const needed = [playlistPermission(pos === 'next' ? 'next' : 'add', locked)];
  if (type === 'cu') needed.push('playlistaddcustom');
  if (LIVE_TYPES.has(type)) needed.push('playlistaddlive');
  return needed;
}

export function checkAll(perms: Permissions, rank: number, needed: string[]): Refusal | undefined {
  for (const permission of needed) {
    const refusal = check(perms, rank, permission);
    if (refusal) return refusal;
  }
  return undefined;
}

export const describeRefusal = (r: Refusal) =>
  `the bot's rank ${r.rank} is below ${r.needs}, which the channel requires for "${r.permission}"`;
