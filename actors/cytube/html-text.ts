import { wellFormed } from '../../contract/json-text.js';

/**
 * CyTube sends chat as HTML: user text is entity-escaped and links are wrapped in `<a>` tags. A
 * command parser needs the text the user typed, so tags go first (only the server's own markup is
 * real markup; anything the user typed as `<b>` arrives as `&lt;b&gt;`) and entities second.
 */
const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntity(entity: string, body: string): string {
  if (body.startsWith('#')) {
    const code =
      body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    // Lone surrogates and out-of-range points would make an invalid string: keep the entity as typed.
    if (!Number.isInteger(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      return entity;
    return String.fromCodePoint(code);
  }
  return NAMED[body.toLowerCase()] ?? entity;
}

export function decodeEntities(html: string): string {
  return html.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (entity, body: string) =>
    decodeEntity(entity, body),
  );
}

/** The plain text of a CyTube chat line: tags removed, entities decoded, whitespace trimmed. */
export function htmlToText(html: string): string {
  return wellFormed(decodeEntities(html.replace(/<[^>]*>/g, '')).trim());
}
