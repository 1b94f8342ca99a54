/** Reading a moderator's private message into a shell command, and the texts of the answers. Pure. */
import type { ChannelView, PlaylistItem } from 'rosey/sdk';

export type Command =
  | { verb: 'help' | 'status' | 'users' | 'playlist' | 'current' | 'next' | 'afk' }
  | { verb: 'user'; name: string }
  | { verb: 'say'; text: string }
  | { verb: 'move'; uid: number; after: number | 'prepend' }
  | { verb: 'remove'; uid: number }
  | { verb: 'kick'; name: string; reason?: string };

export const VERBS = [
  'help',
  'status',
  'users',
  'user',
  'say',
  'playlist',
  'current',
  'next',
  'move',
  'remove',
  'kick',
  'afk',
] as const;

export const HELP =
  'Shell: status · users · user <name> · say <text> · playlist · current · next · move <uid> <after-uid|top> · remove <uid> · kick <name> [reason] · afk';

const NAME = /^[\w-]{1,40}$/;
const UID = /^#?(\d{1,9})$/;

/** The verb of a message, lower-cased, if it is one of the shell's. */
export function verbOf(text: string): (typeof VERBS)[number] | undefined {
  const word = text.trim().split(/\s+/, 1)[0]!.toLowerCase();
  return (VERBS as readonly string[]).includes(word) ? (word as (typeof VERBS)[number]) : undefined;
}

/** A shell command, or the reason the message is not one (undefined: not addressed to the shell). */
export function parse(
  text: string,
): { ok: true; command: Command } | { ok: false; reason: string } | undefined {
  const verb = verbOf(text);
  if (!verb) return undefined;
  const rest = text.trim().slice(verb.length).trim();
  const args = rest === '' ? [] : rest.split(/\s+/);
  const no = (usage: string) => ({ ok: false as const, reason: `Usage: ${usage}` });
  switch (verb) {
    case 'help':
    case 'status':
    case 'users':
    case 'playlist':
    case 'current':
    case 'next':
    case 'afk':
      return args.length === 0 ? { ok: true, command: { verb } } : no(verb);
    case 'user':
      return args.length === 1 && NAME.test(args[0]!)
        ? { ok: true, command: { verb, name: args[0]! } }
        : no('user <name>');
    case 'say':
      return rest === '' ? no('say <text>') : { ok: true, command: { verb, text: rest } };
    case 'remove': {
      const m = args.length === 1 ? UID.exec(args[0]!) : null;
      return m ? { ok: true, command: { verb, uid: Number(m[1]) } } : no('remove <uid> (see playlist)');
    }
    case 'move': {
      const m = args.length === 2 ? UID.exec(args[0]!) : null;
      const to = args[1]?.toLowerCase();
      const after = to === 'top' ? 'prepend' : to !== undefined ? UID.exec(to)?.[1] : undefined;
      if (!m || after === undefined) return no('move <uid> <after-uid|top> (see playlist)');
      return {
        ok: true,
        command: { verb, uid: Number(m[1]), after: after === 'prepend' ? after : Number(after) },
      };
    }
    case 'kick': {
      const [name, ...why] = args;
      if (name === undefined || !NAME.test(name)) return no('kick <name> [reason]');
      const reason = why.join(' ').slice(0, 200);
      return { ok: true, command: reason ? { verb, name, reason } : { verb, name } };
    }
  }
}

function duration(seconds: number): string {
  if (!(seconds > 0)) return 'live';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

const clip = (t: string) => {
  const line = t.replace(/\s+/g, ' ').trim() || 'untitled';
  return line.length > 50 ? `${line.slice(0, 49)}…` : line;
};

export const itemText = (i: PlaylistItem) =>
  `#${i.uid} ${clip(i.media.title)} [${duration(i.media.seconds)}] (${i.queuedBy})`;

export function statusText(v: ChannelView): string {
  const playing = v.playlist.find((i) => i.uid === v.current);
  return [
    `${v.channel} on ${v.platform}: ${v.state}`,
    `bot ${v.self.name} rank ${v.self.rank}`,
    `${v.users.length} users (${v.users.filter((u) => u.afk).length} AFK)`,
    `playlist ${v.playlist.length} items${v.playlistLocked ? ' (locked)' : ' (open)'}`,
    playing ? `now ${itemText(playing)}` : 'nothing playing',
  ].join(' · ');
}

export function usersText(v: ChannelView): string {
  const users = [...v.users].sort((a, b) => b.rank - a.rank || a.name.localeCompare(b.name));
  return `Users (${users.length}): ${users.map((u) => `${u.name} ${u.rank}${u.afk ? ' AFK' : ''}`).join(', ')}`;
}

export function userText(v: ChannelView, name: string): string {
  const u = v.users.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!u) return `${name} is not in ${v.channel}.`;
  const queued = v.playlist.filter((i) => i.queuedBy.toLowerCase() === u.name.toLowerCase()).length;
  return `${u.name}: rank ${u.rank}, ${u.afk ? 'AFK' : 'active'}, ${queued} item${queued === 1 ? '' : 's'} in the playlist.`;
}

/** How many items `playlist` lists. */
export const SHOWN = 10;

export function playlistText(v: ChannelView): string {
  if (v.playlist.length === 0) return 'The playlist is empty.';
  const at = v.current === null ? -1 : v.playlist.findIndex((i) => i.uid === v.current);
  const from = Math.max(0, at);
  const items = v.playlist
    .slice(from, from + SHOWN)
    .map((i) => `${i.uid === v.current ? '▶ ' : ''}${itemText(i)}`);
  const more = v.playlist.length - from - items.length;
  return `Playlist (${v.playlist.length}): ${items.join(' · ')}${more > 0 ? ` … and ${more} more` : ''}`;
}

export function currentText(v: ChannelView): string {
  const playing = v.playlist.find((i) => i.uid === v.current);
  return playing ? `Now: ${itemText(playing)}` : 'Nothing is playing.';
}

/** The item after the one playing (the first when nothing plays). */
export function nextItem(v: ChannelView): PlaylistItem | undefined {
  const at = v.current === null ? -1 : v.playlist.findIndex((i) => i.uid === v.current);
  return v.playlist[at + 1];
}
