/**
 * What a valid CyTube media id looks like for each type, and the public URL it lives at. The id
 * formats follow what CyTube's server accepts in `queue {id, type}`.
 */

export const MEDIA_TYPES = [
  'yt',
  'yp',
  'vi',
  'dm',
  'sc',
  'tw',
  'tc',
  'tv',
  'gd',
  'im',
  'hl',
  'sb',
  'fi',
  'cm',
  'rt',
  'cu',
] as const;

export type MediaType = (typeof MEDIA_TYPES)[number];

export interface MediaRef {
  type: MediaType;
  id: string;
  /** Start offset in seconds, from t=1m30s / t=90 / start=90 / #t=… */
  start?: number;
}

/** Human names for error messages. */
export const MEDIA_LABELS: Record<MediaType, string> = {
  yt: 'YouTube video',
  yp: 'YouTube playlist',
  vi: 'Vimeo video',
  dm: 'Dailymotion video',
  sc: 'SoundCloud track',
  tw: 'Twitch channel',
  tc: 'Twitch clip',
  tv: 'Twitch VOD',
  gd: 'Google Drive file',
  im: 'Imgur album',
  hl: 'HLS stream',
  sb: 'Streamable video',
  fi: 'raw file',
  cm: 'custom manifest',
  rt: 'RTMP stream',
  cu: 'custom embed',
};

/**
 * Id shapes for the types whose id is a short token. Types whose id is a URL (sc, hl, fi, cm, rt)
 * or an embed snippet (cu) are checked by their own parsers.
 */
const ID_PATTERNS: Partial<Record<MediaType, { pattern: RegExp; expected: string }>> = {
  yt: { pattern: /^[A-Za-z0-9_-]{11}$/, expected: '11 letters, digits, - or _' },
  // PL…, UU…, OLAK5uy_…, RD… mixes; the two-letter WL/LL lists are private to their owner.
  yp: { pattern: /^[A-Za-z0-9_-]{10,64}$/, expected: '10 to 64 letters, digits, - or _' },
  vi: { pattern: /^\d{1,12}$/, expected: 'digits' },
  dm: { pattern: /^x[A-Za-z0-9]{1,19}$/, expected: '"x" followed by letters and digits' },
  tw: { pattern: /^[A-Za-z0-9_]{1,25}$/, expected: 'a channel name of letters, digits and _' },
  // Twitch clip slugs: CamelCase words, now often followed by "-" and a random suffix.
  tc: { pattern: /^[A-Za-z0-9_-]{1,100}$/, expected: 'letters, digits, - or _' },
  // CyTube's server wants "v" + the numeric VOD id.
  tv: { pattern: /^v\d{1,15}$/, expected: '"v" followed by digits' },
  gd: { pattern: /^[A-Za-z0-9_-]{10,100}$/, expected: 'letters, digits, - or _' },
  im: { pattern: /^[A-Za-z0-9]{5,12}$/, expected: '5 to 12 letters and digits' },
  sb: { pattern: /^[A-Za-z0-9]{3,12}$/, expected: 'letters and digits' },
};

/** Undefined when `id` is acceptable for `type`, else what was expected. */
export function idProblem(type: MediaType, id: string): string | undefined {
  const rule = ID_PATTERNS[type];
  if (!rule || rule.pattern.test(id)) return undefined;
  return `Invalid ${MEDIA_LABELS[type]} id "${clip(id)}": expected ${rule.expected}.`;
}

/** Types that can start part-way; only these carry `start`. */
export const SEEKABLE: ReadonlySet<MediaType> = new Set<MediaType>([
  'yt',
  'vi',
  'dm',
  'sc',
  'tv',
  'fi',
  'hl',
  'cm',
]);

type UrlBuilder = (id: string, start: number | undefined) => string;

const withQueryStart = (url: string, key: string, start: number | undefined): string =>
  start ? `${url}${url.includes('?') ? '&' : '?'}${key}=${start}` : url;

const withFragmentStart = (url: string, start: number | undefined): string =>
  start ? `${url}#t=${start}` : url;

const URL_BUILDERS: Partial<Record<MediaType, UrlBuilder>> = {
  yt: (id, start) => withQueryStart(`https://youtu.be/${id}`, 't', start),
  yp: (id) => `https://www.youtube.com/playlist?list=${id}`,
  vi: (id, start) => withFragmentStart(`https://vimeo.com/${id}`, start),
  dm: (id, start) => withQueryStart(`https://www.dailymotion.com/video/${id}`, 'start', start),
  sc: (id, start) => withFragmentStart(id, start),
  tw: (id) => `https://www.twitch.tv/${id}`,
  tc: (id) => `https://clips.twitch.tv/${id}`,
  tv: (id, start) => withQueryStart(`https://www.twitch.tv/videos/${id.slice(1)}`, 't', start),
  gd: (id) => `https://drive.google.com/file/d/${id}/view`,
  im: (id) => `https://imgur.com/a/${id}`,
  hl: (id, start) => withFragmentStart(id, start),
  sb: (id) => `https://streamable.com/${id}`,
  fi: (id, start) => withFragmentStart(id, start),
  cm: (id, start) => withFragmentStart(id, start),
  rt: (id) => id,
};

/**
 * The canonical public URL for a (type, id), with the start offset when the type has one;
 * undefined for types without a URL (cu).
 */
export function mediaUrl(ref: { type: MediaType; id: string; start?: number }): string | undefined {
  const start = SEEKABLE.has(ref.type) && ref.start ? ref.start : undefined;
  return URL_BUILDERS[ref.type]?.(ref.id, start);
}

/** Echoed input stays short and printable: it ends up in a chat reply. */
export function clip(text: string, max = 60): string {
  const printable = text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '\uFFFD');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}
