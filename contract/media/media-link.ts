/**
 * Media links for plugins that queue media on CyTube: a pasted link or a `<type>:<id>` shorthand
 * becomes the `(type, id)` pair that CyTube's `queue {id, type, pos, temp}` expects, and back.
 */
import { err, ok, type Err, type Ok } from '../result.js';
import { recogniseRawUrl, recogniseRtmp, recogniseSite, type Recognised } from './media-hosts.js';
import { clip, idProblem, MEDIA_LABELS, MEDIA_TYPES, type MediaRef, type MediaType } from './media-ids.js';

export { mediaUrl, MEDIA_TYPES } from './media-ids.js';
export { FILE_EXTENSIONS } from './media-hosts.js';
export type { MediaRef, MediaType } from './media-ids.js';

/** Chat lines are short; anything longer is not a link someone typed. */
export const MAX_LINK_LENGTH = 2000;

export type InvalidMediaLink = Err & { error: { code: 'VALIDATION_ERROR' } };
export type MediaLinkResult = Ok<MediaRef> | InvalidMediaLink;

const EXAMPLES = 'a link such as https://youtu.be/<id> or a shorthand such as yt:<id>';

/** Narrows the error code so callers can rely on VALIDATION_ERROR being the only failure. */
function invalid(message: string): InvalidMediaLink {
  const { error } = err('VALIDATION_ERROR', message);
  return { ok: false, error: { ...error, code: 'VALIDATION_ERROR' } };
}

function fromRecognised(result: Recognised): MediaLinkResult {
  return result.ok ? ok(result.ref) : invalid(result.message);
}

/**
 * A link (or shorthand `yt:ID`, `vi:123`, any `<type>:<id>`) → what CyTube's `queue` wants; a
 * clear reason when it is not a link CyTube can play.
 */
export function parseMediaLink(input: string): MediaLinkResult {
  if (typeof input !== 'string') return invalid(`Expected text: ${EXAMPLES}.`);
  const text = unwrap(input.trim());
  if (text === '') return invalid(`Empty input: give ${EXAMPLES}.`);
  if (text.length > MAX_LINK_LENGTH) {
    return invalid(`Link too long (${text.length} characters; at most ${MAX_LINK_LENGTH}).`);
  }
  // Invisible characters make a link look like another one; control characters break chat replies.
  if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(text)) {
    return invalid('The link contains control or invisible characters.');
  }
  const shorthand = /^([A-Za-z]{2}):(?!\/\/)(.*)$/s.exec(text);
  if (shorthand) return parseShorthand(shorthand[1]!.toLowerCase(), shorthand[2]!.trim());
  return parseUrlText(text);
}

/** Chat clients and Discord-style messages wrap links in <…> to stop previews. */
function unwrap(text: string): string {
  const inner = text.slice(1, -1);
  return text.startsWith('<') && text.endsWith('>') && !/[<>]/.test(inner) ? inner.trim() : text;
}

// ---------------------------------------------------------------------------------------------
// Shorthand: <type>:<id>

const isMediaType = (value: string): value is MediaType => (MEDIA_TYPES as readonly string[]).includes(value);

function parseShorthand(prefix: string, id: string): MediaLinkResult {
  if (!isMediaType(prefix)) {
    return invalid(`Unknown media type "${prefix}": known types are ${MEDIA_TYPES.join(', ')}.`);
  }
  if (id === '') return invalid(`"${prefix}:" needs a ${MEDIA_LABELS[prefix]} id after the colon.`);
  switch (prefix) {
    case 'cu':
      return customEmbed(id);
    case 'sc':
      return shorthandUrl(id, prefix, (url) => recogniseSite(url));
    case 'hl':
    case 'fi':
    case 'cm':
      // Servers that hand out streams or files without the usual extension still work this way.
      return shorthandUrl(id, prefix, (url) => recogniseRawUrl(url, prefix));
    case 'rt':
      return shorthandUrl(id, prefix, (url) => (isRtmp(url) ? recogniseRtmp(url) : undefined));
    default:
      return shorthandId(prefix, id);
  }
}

function shorthandId(type: MediaType, raw: string): MediaLinkResult {
  const id = normaliseShortId(type, raw);
  const problem = idProblem(type, id);
  return problem ? invalid(problem) : ok({ type, id });
}

/** Accepts the forms people copy from the sites: "tv:123" for "v123", "dm:x8abc_some-title". */
function normaliseShortId(type: MediaType, id: string): string {
  if (type === 'tv' && /^\d+$/.test(id)) return `v${id}`;
  if (type === 'dm') return id.split('_')[0] ?? '';
  return id;
}

function shorthandUrl(
  text: string,
  type: MediaType,
  recognise: (url: URL) => Recognised | undefined,
): MediaLinkResult {
  const url = parseUrl(text);
  const result = url && !url.username && !url.password ? recognise(url) : undefined;
  if (result && (!result.ok || result.ref.type === type)) return fromRecognised(result);
  return invalid(`"${type}:" needs ${urlKind(type)} after the colon, got "${clip(text)}".`);
}

function urlKind(type: MediaType): string {
  if (type === 'sc') return 'a soundcloud.com track URL';
  if (type === 'rt') return 'an rtmp:// or rtmps:// URL';
  return `an https URL of the ${MEDIA_LABELS[type]}`;
}

/** CyTube's custom embeds are an <iframe> whose page is served over https. */
function customEmbed(snippet: string): MediaLinkResult {
  const iframe = /^<iframe\b[^<>]*\ssrc\s*=\s*(["'])https:\/\/[^"'<>\s]+\1[^<>]*>\s*(?:<\/iframe>)?$/i;
  return iframe.test(snippet)
    ? ok({ type: 'cu', id: snippet })
    : invalid('"cu:" needs an <iframe src="https://…"></iframe> embed; CyTube refuses non-https embeds.');
}

// ---------------------------------------------------------------------------------------------
// Links

function parseUrlText(text: string): MediaLinkResult {
  if (/^<iframe\b/i.test(text)) return invalid('Custom embeds need the cu: prefix: cu:<iframe …></iframe>.');
  if (/\s/.test(text)) return invalid(`Not a link (it contains spaces): give ${EXAMPLES}.`);
  const scheme = /^([A-Za-z][A-Za-z0-9+-]*):(?!\d)/.exec(text)?.[1]?.toLowerCase();
  if (scheme && !['http', 'https', 'rtmp', 'rtmps'].includes(scheme)) {
    return invalid(`Unsupported link scheme "${clip(scheme, 20)}:": media links are https (or rtmp://).`);
  }
  const url = parseUrl(scheme ? text : withAssumedHttps(text));
  if (!url) return invalid(`Not a link: give ${EXAMPLES}.`);
  if (url.username || url.password)
    return invalid('Links with a user name or password (user:pass@host) are refused.');
  if (isRtmp(url)) return fromRecognised(recogniseRtmp(url));
  const result = recogniseSite(url) ?? recogniseRawUrl(url);
  return result ? fromRecognised(result) : invalid(unsupportedSite(url));
}

/** People paste "youtu.be/…" or "www.youtube.com/…" without a scheme; a bare word is not a link. */
function withAssumedHttps(text: string): string {
  return /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?([/?#]|$)/.test(text) ? `https://${text}` : '';
}

function parseUrl(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.hostname ? url : undefined;
}

function isRtmp(url: URL): boolean {
  return url.protocol === 'rtmp:' || url.protocol === 'rtmps:';
}

function unsupportedSite(url: URL): string {
  return (
    `Unsupported link: ${clip(url.hostname, 40)} is not a site CyTube plays from. Use YouTube, Vimeo, ` +
    'Dailymotion, SoundCloud, Twitch, Google Drive, Imgur albums, Streamable, or an https file/.m3u8/.json link.'
  );
}
