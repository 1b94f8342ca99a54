/**
 * Offline media lookup. The real server asks YouTube & co. for titles and durations; the fake
 * accepts only what needs no network (https custom embeds, raw https files, HLS) plus whatever a
 * test registered, and answers the recorded queueFail for YouTube without an API key.
 */
import { createHash } from 'node:crypto';
import { TEXT } from './defaults.js';

export interface Media {
  id: string;
  title: string;
  seconds: number;
  duration: string;
  type: string;
  meta: Record<string, unknown>;
}

/** Registered media: key `type:id` (e.g. `yt:dQw4w9WgXcQ`). */
export type MediaRegistry = Record<string, { title: string; seconds: number }>;

export type Lookup = { ok: true; media: Media } | { ok: false; msg: string; link: string };

export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${String(hh).padStart(2, '0')}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Live items (seconds 0) show "--:--" in media.duration, but the playlist total still says "00:00" (11). */
function itemDuration(seconds: number): string {
  return seconds === 0 ? '--:--' : formatDuration(seconds);
}

function make(
  id: string,
  type: string,
  title: string,
  seconds: number,
  meta: Record<string, unknown> = {},
): Media {
  return { id, title, seconds, duration: itemDuration(seconds), type, meta };
}

function parseEmbed(code: string): { tag: string; src: string } | undefined {
  const m = /^\s*<\s*(iframe|object)\b[^>]*?\b(?:src|data)\s*=\s*["']([^"']+)["']/i.exec(code);
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  return { tag: m[1].toLowerCase(), src: m[2] };
}

export function lookupMedia(
  req: { id: string; type: string; title?: string },
  registry: MediaRegistry,
  rawFileSeconds: number,
): Lookup {
  const known = registry[`${req.type}:${req.id}`];
  if (known) return { ok: true, media: make(req.id, req.type, known.title, known.seconds) };
  switch (req.type) {
    case 'yt':
      return { ok: false, msg: TEXT.youtubeNoKey, link: `https://youtu.be/${req.id}` };
    case 'cu': {
      const embed = parseEmbed(req.id);
      if (!embed) return { ok: false, msg: TEXT.invalidEmbed, link: '' };
      if (!embed.src.startsWith('https://')) return { ok: false, msg: TEXT.httpEmbed, link: '' };
      // The real id is a hash of the embed; tests must not depend on its value (README).
      const id = `cu:${createHash('sha256').update(embed.src).digest('base64')}`;
      return { ok: true, media: make(id, 'cu', req.title ?? 'Custom Media', 0, { embed }) };
    }
    case 'fi': {
      if (!req.id.startsWith('https://')) return { ok: false, msg: TEXT.rawFileHttp, link: '' };
      const file = decodeURIComponent(new URL(req.id).pathname.split('/').pop() ?? req.id);
      return { ok: true, media: make(req.id, 'fi', req.title ?? (file || req.id), rawFileSeconds) };
    }
    case 'hl':
      return { ok: true, media: make(req.id, 'hl', req.title ?? req.id, 0) };
    default:
      return { ok: false, msg: TEXT.unknownMedia(req.type), link: '' };
  }
}
