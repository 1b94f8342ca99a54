/** The texts of the replies. Pure. */
import type { MediaInfo, PlaylistItem } from 'rosey/sdk';

export const USAGE_ADD = 'add <link>';
export const HELP_ADD =
  'Usage: !add <link> — YouTube, Vimeo, Dailymotion, SoundCloud, Twitch, Google Drive, Streamable, https media files… (!help add)';

/** `3:05`, `1:02:03`, `live` for 0 seconds. */
export function duration(seconds: number): string {
  if (!(seconds > 0)) return 'live';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** A title as shown in chat: one line, at most 60 characters. */
export function title(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim() || 'untitled';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

export const mediaLabel = (m: Pick<MediaInfo, 'title' | 'seconds'>) =>
  `${title(m.title)} [${duration(m.seconds)}]`;

/** `5 min ago`, from two epoch-ms instants. */
export function ago(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/**
 * What to tell the user when the platform refused an action: the connector's own reason (the
 * bot's rank, a locked playlist, a media host's refusal) is shown, since it says what to fix.
 */
export function refusal(what: string, code: string, message: string): string {
  switch (code) {
    case 'FORBIDDEN':
      return `I cannot ${what} here: ${message}`;
    case 'BUS_UNAVAILABLE':
      return `I cannot ${what} right now: I am not in the channel (${message})`;
    case 'TIMEOUT':
      return `I could not ${what}: no confirmation came (${message})`;
    case 'NOT_FOUND':
    case 'VALIDATION_ERROR':
      return `I could not ${what}: ${message}`;
    default:
      return `I could not ${what} (${code}): ${message}`;
  }
}

export interface Entry {
  item: PlaylistItem;
  /** Who asked for it with !add, when the plugin knows. */
  requester?: string;
}

/** How many upcoming items `!queue` names. */
export const QUEUE_SHOWN = 5;

/** `Now: … · Next (3, 12:40): 1. … (alice) · 2. …` */
export function queueText(now: Entry | undefined, next: Entry[]): string {
  const who = (e: Entry) => ` (${e.requester ?? e.item.queuedBy})`;
  const head = now ? `Now: ${mediaLabel(now.item.media)}${who(now)}` : 'Nothing is playing';
  if (next.length === 0) return `${head}. Nothing queued after it: !add <link>`;
  const total = next.reduce((sum, e) => sum + Math.max(0, e.item.media.seconds), 0);
  const shown = next.slice(0, QUEUE_SHOWN).map((e, i) => `${i + 1}. ${mediaLabel(e.item.media)}${who(e)}`);
  const more = next.length > QUEUE_SHOWN ? ` … and ${next.length - QUEUE_SHOWN} more` : '';
  return `${head} · Next (${next.length}, ${duration(total)}): ${shown.join(' · ')}${more}`;
}

export interface Played {
  title: string;
  seconds: number;
  requestedBy: string | null;
  playedAt: number;
}

export function historyText(played: Played[], now: number): string {
  if (played.length === 0) return 'Nothing has played here since I started keeping track.';
  const items = played.map(
    (p) => `${mediaLabel(p)} ${ago(p.playedAt, now)}${p.requestedBy ? ` (asked by ${p.requestedBy})` : ''}`,
  );
  return `Recently played: ${items.join(' · ')}`;
}
