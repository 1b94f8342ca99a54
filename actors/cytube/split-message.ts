/**
 * CyTube cuts chat lines at its `max-chat-message-length` (320 by default) and turns newlines into
 * spaces, so a long or multi-line reply is sent as several lines: split at line breaks, then at the
 * last space before the limit (a single word longer than the limit is cut). The number of lines is
 * bounded so one reply cannot flood the channel; what does not fit ends with an ellipsis.
 */
export interface SplitResult {
  parts: string[];
  /** Text was dropped to stay within `maxParts`. */
  truncated: boolean;
}

const ELLIPSIS = '…';

function splitLine(line: string, max: number): string[] {
  const parts: string[] = [];
  let rest = line.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    const space = window.lastIndexOf(' ');
    const cut = space > max / 4 ? space : max;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

export function splitMessage(text: string, max: number, maxParts: number): SplitResult {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l.length > 0);
  // Many short lines (a help list) read better joined than as a burst of tiny messages.
  const units = lines.length > maxParts ? [lines.join(' · ')] : lines;
  const parts = units.flatMap((l) => splitLine(l, max));
  if (parts.length <= maxParts) return { parts, truncated: false };
  const kept = parts.slice(0, maxParts);
  const last = kept[maxParts - 1]!;
  kept[maxParts - 1] = `${last.length >= max ? last.slice(0, max - 1).trimEnd() : last}${ELLIPSIS}`;
  return { parts: kept, truncated: true };
}
