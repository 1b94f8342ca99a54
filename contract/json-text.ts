import { err, ok, type Result } from './result.js';

/**
 * How deeply any message on the bus may nest arrays and objects (the top-level value is level 1).
 * Node's JSON.stringify, structuredClone and postMessage recurse, and a payload nested 20,000 deep
 * (40 KB, under every size limit) overflows their stack: so depth is bounded before the text is
 * parsed at all. Storage allows stored values less (LIMITS.jsonValueDepth), so that a value it
 * accepted still fits in a reply under this bound.
 */
export const MAX_JSON_DEPTH = 64;

/** The four hex digits of a `\uXXXX` escape at `text[at..at+3]`, or -1 when they are not hex. */
function hex4(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const c = text.charCodeAt(i);
    const digit =
      c >= 0x30 && c <= 0x39
        ? c - 0x30
        : c >= 0x61 && c <= 0x66
          ? c - 0x57
          : c >= 0x41 && c <= 0x46
            ? c - 0x37
            : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;
const isNumberChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;

const STRING_STOP = /["\\]/g;

const refuse = (message: string): Result<never> => err('VALIDATION_ERROR', `payload: ${message}`);

/**
 * What JSON.parse would accept but Rosey does not, found in one pass over the text without
 * recursion: nesting deeper than `maxDepth`, a number JSON.parse would turn into ±Infinity (`1e400`:
 * stored, it would come back `null`), and a `\uD800`-style escape that leaves a lone surrogate (not
 * Unicode: SQLite would store invalid UTF-8, PostgreSQL a U+FFFD that collides with other keys).
 * Syntax errors are left to JSON.parse; this only has to be right about text that parses.
 */
export function checkJsonText(text: string, maxDepth = MAX_JSON_DEPTH): Result<void> {
  const n = text.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, looking only at escapes.
      i++;
      while (i < n) {
        // Native search to the next quote or backslash: a 64 KB string is one call, not 64 K steps.
        STRING_STOP.lastIndex = i;
        const stop = STRING_STOP.exec(text);
        if (!stop) return ok(undefined);
        i = stop.index;
        if (text.charCodeAt(i) === 0x22) break;
        if (text.charCodeAt(i + 1) !== 0x75) {
          i += 2;
          continue;
        }
        const unit = hex4(text, i + 2);
        if (isHigh(unit) && text.charCodeAt(i + 6) === 0x5c && text.charCodeAt(i + 7) === 0x75) {
          if (isLow(hex4(text, i + 8))) {
            i += 12;
            continue;
          }
        }
        if (isHigh(unit) || isLow(unit)) {
          return refuse(`a string holds a lone surrogate (${text.slice(i, i + 6)}), which is not Unicode`);
        }
        i += 6;
      }
      i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return refuse(`nested deeper than ${maxDepth} levels`);
      i++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      // Only an exponent or more digits than a double holds can overflow.
      if (i - start > 15 || /[eE]/.test(text.slice(start, i))) {
        const token = text.slice(start, i);
        const value = Number(token);
        if (value === Infinity || value === -Infinity) {
          const shown = token.length > 24 ? `${token.slice(0, 24)}…` : token;
          return refuse(`the number ${shown} is out of range (numbers must be finite)`);
        }
      }
    } else i++;
  }
  return ok(undefined);
}

/**
 * Lone surrogates replaced by U+FFFD. The bus refuses a payload holding one (`checkJsonText`), so
 * text cut by UTF-16 length (CyTube's 240-unit lines, a clipped reply, a capped input line), which
 * can split an emoji in half, is made well-formed before it is published.
 */
export const wellFormed = (text: string): string => text.replace(/\p{Cs}/gu, '\uFFFD');
