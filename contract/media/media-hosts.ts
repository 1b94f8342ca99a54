/**
 * URL → media reference, one recogniser per site, plus raw https files and RTMP. Mirrors the links
 * CyTube's own "add media" box understands, so the ids match what its server looks up.
 */
import { clip, idProblem, MEDIA_LABELS, SEEKABLE, type MediaRef, type MediaType } from './media-ids.js';

export type Recognised = { ok: true; ref: MediaRef } | { ok: false; message: string };

type Recogniser = (url: URL) => Recognised;

const fail = (message: string): Recognised => ({ ok: false, message });

/** Checks the id; the start offset is kept only for types that can seek. */
function accept(type: MediaType, id: string, start: number | undefined): Recognised {
  const problem = idProblem(type, id);
  if (problem) return fail(problem);
  const ref: MediaRef = { type, id };
  if (start && SEEKABLE.has(type)) ref.start = start;
  return { ok: true, ref };
}

function found(type: MediaType, id: string, url: URL): Recognised {
  return accept(type, id, startFromUrl(url));
}

function segments(url: URL): string[] {
  return url.pathname.split('/').filter((part) => part !== '');
}

// ---------------------------------------------------------------------------------------------
// Start offsets

const MAX_START = 7 * 24 * 3600;

/** "90", "90s", "1m30s", "1h2m3s", "1:30", "1:02:03" → seconds; undefined for 0 or nonsense. */
export function parseStart(raw: string | null | undefined): number | undefined {
  if (!raw) return undefined;
  const text = raw.trim().toLowerCase().split(',')[0] ?? '';
  const seconds = unitSeconds(text) ?? clockSeconds(text);
  return seconds !== undefined && seconds > 0 && seconds <= MAX_START ? seconds : undefined;
}

function unitSeconds(text: string): number | undefined {
  const m = /^(?:(\d{1,3})h)?(?:(\d{1,5})m)?(?:(\d{1,7})s?)?$/.exec(text);
  if (!m || text === '' || !(m[1] || m[2] || m[3])) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function clockSeconds(text: string): number | undefined {
  const m = /^(?:(\d{1,3}):)?(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

function fragmentStart(url: URL): number | undefined {
  return url.hash.length > 1 ? parseStart(new URLSearchParams(url.hash.slice(1)).get('t')) : undefined;
}

/** Sites put the offset in ?t= (YouTube, Twitch), ?start= (embeds, Dailymotion) or #t= (Vimeo). */
function startFromUrl(url: URL): number | undefined {
  return (
    parseStart(url.searchParams.get('t')) ?? parseStart(url.searchParams.get('start')) ?? fragmentStart(url)
  );
}

// ---------------------------------------------------------------------------------------------
// YouTube

const YOUTUBE_VIDEO_PATHS = new Set(['shorts', 'embed', 'live', 'v', 'e']);

function youtube(url: URL): Recognised {
  const [first, second] = segments(url);
  const video = url.searchParams.get('v');
  const list = url.searchParams.get('list');
  if (first === 'watch' && video) return found('yt', video, url);
  if (first === 'embed' && second === 'videoseries' && list) return found('yp', list, url);
  if (first && second && YOUTUBE_VIDEO_PATHS.has(first)) return found('yt', second, url);
  if ((first === 'watch' || first === 'playlist') && list) return found('yp', list, url);
  if (first && /^(@|channel$|c$|user$)/.test(first)) {
    return fail('YouTube channel pages cannot be queued: link a video or a playlist.');
  }
  return fail(`Not a YouTube video or playlist link: ${clip(url.href)}`);
}

function youtuBe(url: URL): Recognised {
  const [id] = segments(url);
  return id ? found('yt', id, url) : fail('A youtu.be link needs a video id after the slash.');
}

// ---------------------------------------------------------------------------------------------
// Twitch

/** First path segments of twitch.tv that are site pages, not channels. */
const TWITCH_PAGES = new Set([
  'directory',
  'downloads',
  'friends',
  'inventory',
  'jobs',
  'login',
  'messages',
  'p',
  'prime',
  'search',
  'settings',
  'signup',
  'store',
  'subscriptions',
  'turbo',
  'wallet',
]);

function twitch(url: URL): Recognised {
  const parts = segments(url);
  const [first, second, third] = parts;
  if (first === 'videos' && second) return found('tv', `v${second}`, url);
  if (second === 'clip' && third) return found('tc', third, url);
  if (first && parts.length === 1 && !TWITCH_PAGES.has(first.toLowerCase())) return found('tw', first, url);
  return fail(`Not a Twitch channel, clip or VOD link: ${clip(url.href)}`);
}

function twitchPlayer(url: URL): Recognised {
  const video = url.searchParams.get('video');
  const channel = url.searchParams.get('channel');
  const clipSlug = url.searchParams.get('clip');
  if (video) return found('tv', video.startsWith('v') ? video : `v${video}`, url);
  if (clipSlug) return found('tc', clipSlug, url);
  if (channel) return found('tw', channel, url);
  return fail('A Twitch player link needs ?channel=, ?video= or ?clip=.');
}

function twitchClips(url: URL): Recognised {
  const [slug] = segments(url);
  if (slug === 'embed') {
    const embedded = url.searchParams.get('clip');
    return embedded ? found('tc', embedded, url) : fail('A Twitch clip embed link needs ?clip=.');
  }
  return slug ? found('tc', slug, url) : fail('A clips.twitch.tv link needs the clip name after the slash.');
}

// ---------------------------------------------------------------------------------------------
// Vimeo, Dailymotion, SoundCloud, Google Drive, Imgur, Streamable

const DIGITS = /^\d+$/;

function vimeo(url: URL): Recognised {
  const parts = segments(url);
  const [first] = parts;
  // vimeo.com/<id>[/<unlisted hash>], or a video shown inside a channel, group or album page.
  const id =
    first && DIGITS.test(first) ? first : /^(channels|groups|album)$/.test(first ?? '') ? parts.at(-1) : '';
  return id && DIGITS.test(id) ? found('vi', id, url) : fail(`Not a Vimeo video link: ${clip(url.href)}`);
}

function vimeoPlayer(url: URL): Recognised {
  const [first, second] = segments(url);
  return first === 'video' && second
    ? found('vi', second, url)
    : fail(`Not a Vimeo player link: ${clip(url.href)}`);
}

/** Dailymotion ids may be followed by "_title-slug"; the id is the part before it. */
const dailymotionId = (text: string): string => text.split('_')[0] ?? '';

function dailymotion(url: URL): Recognised {
  const parts = segments(url);
  const at = parts.indexOf('video');
  const id = at >= 0 ? parts[at + 1] : url.searchParams.get('video');
  return id ? found('dm', dailymotionId(id), url) : fail(`Not a Dailymotion video link: ${clip(url.href)}`);
}

function daiLy(url: URL): Recognised {
  const [id] = segments(url);
  return id ? found('dm', dailymotionId(id), url) : fail('A dai.ly link needs a video id after the slash.');
}

/** CyTube resolves SoundCloud by the page URL, so the id is that URL without query or fragment. */
function soundcloud(url: URL): Recognised {
  const parts = segments(url);
  if (parts.length < 2) return fail('Link a SoundCloud track or set (soundcloud.com/<artist>/<track>).');
  if (parts.some((part) => !/^[\w%.-]+$/.test(part)))
    return fail(`Not a SoundCloud track link: ${clip(url.href)}`);
  return found('sc', `https://soundcloud.com/${parts.join('/')}`, url);
}

function soundcloudShort(url: URL): Recognised {
  const [code] = segments(url);
  return code && /^\w+$/.test(code)
    ? found('sc', `https://on.soundcloud.com/${code}`, url)
    : fail('An on.soundcloud.com link needs its code after the slash.');
}

function googleDrive(url: URL): Recognised {
  const parts = segments(url);
  const at = parts.indexOf('d');
  const id = at >= 0 && parts.includes('file') ? parts[at + 1] : url.searchParams.get('id');
  return id ? found('gd', id, url) : fail(`Not a Google Drive file link: ${clip(url.href)}`);
}

function imgur(url: URL): Recognised {
  const [first, second] = segments(url);
  if ((first !== 'a' && first !== 'gallery') || !second) {
    return fail('Only Imgur albums can be queued (imgur.com/a/<id>); for one video, link its .mp4.');
  }
  // Newer album links are "<title-words>-<id>"; the id is after the last dash.
  return found('im', second.split('-').at(-1) ?? '', url);
}

function streamable(url: URL): Recognised {
  const [first, second] = segments(url);
  const id = first === 'e' || first === 'o' ? second : first;
  return id ? found('sb', id, url) : fail('A streamable.com link needs the video id after the slash.');
}

// ---------------------------------------------------------------------------------------------
// Site table

const SITES: ReadonlyMap<string, Recogniser> = new Map<string, Recogniser>([
  ['youtube.com', youtube],
  ['music.youtube.com', youtube],
  ['youtube-nocookie.com', youtube],
  ['youtu.be', youtuBe],
  ['twitch.tv', twitch],
  ['player.twitch.tv', twitchPlayer],
  ['clips.twitch.tv', twitchClips],
  ['vimeo.com', vimeo],
  ['player.vimeo.com', vimeoPlayer],
  ['dailymotion.com', dailymotion],
  ['geo.dailymotion.com', dailymotion],
  ['dai.ly', daiLy],
  ['soundcloud.com', soundcloud],
  ['on.soundcloud.com', soundcloudShort],
  ['drive.google.com', googleDrive],
  ['docs.google.com', googleDrive],
  ['imgur.com', imgur],
  ['streamable.com', streamable],
]);

/** "www." and "m." are the same site for every host above. */
function siteKey(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^(www|m)\./, '');
}

export function recogniseSite(url: URL): Recognised | undefined {
  return SITES.get(siteKey(url.hostname))?.(url);
}

// ---------------------------------------------------------------------------------------------
// Raw https media: files, HLS playlists, custom manifests

/** What browsers play in a plain <video>/<audio> element and CyTube's ffprobe check lets through. */
export const FILE_EXTENSIONS = [
  'mp4',
  'm4v',
  'webm',
  'ogg',
  'ogv',
  'oga',
  'opus',
  'mp3',
  'm4a',
  'aac',
  'flac',
  'mov',
] as const;

const EXTENSION_TYPES: ReadonlyMap<string, MediaType> = new Map<string, MediaType>([
  ['m3u8', 'hl'],
  ['json', 'cm'],
  ...FILE_EXTENSIONS.map((ext): [string, MediaType] => [ext, 'fi']),
]);

/** Like CyTube, the path must end in the extension: "/a.mp4/" is a page, not a file. */
function extensionOf(url: URL): string | undefined {
  const last = url.pathname.split('/').at(-1);
  const dot = last?.lastIndexOf('.') ?? -1;
  return last && dot > 0 ? last.slice(dot + 1).toLowerCase() : undefined;
}

/** The fragment only ever carries the start offset; the query may be a signed-URL token, so it stays. */
function withoutFragment(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy.href;
}

/** A URL whose id is the URL itself (fi, hl, cm); `type` is forced for shorthand such as fi:<url>. */
export function recogniseRawUrl(url: URL, forced?: MediaType): Recognised | undefined {
  const ext = extensionOf(url);
  const type = forced ?? (ext ? EXTENSION_TYPES.get(ext) : undefined);
  if (!type) {
    if (ext && /^[a-z0-9]{1,5}$/.test(ext)) {
      return fail(
        `Unsupported file type ".${ext}": CyTube plays ${FILE_EXTENSIONS.join(', ')}, m3u8 and json.`,
      );
    }
    return undefined;
  }
  if (url.protocol !== 'https:') {
    return fail(
      `A ${MEDIA_LABELS[type]} must be an https link: CyTube refuses plain http (${clip(url.href)}).`,
    );
  }
  return accept(type, withoutFragment(url), fragmentStart(url));
}

export function recogniseRtmp(url: URL): Recognised {
  if (!url.hostname) return fail('An RTMP link needs a host: rtmp://host/app/stream.');
  return accept('rt', withoutFragment(url), undefined);
}
