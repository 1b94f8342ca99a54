// Control characters other than newline and tab: a plugin must not be able to drive the terminal.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `Rosey: text` (each line of a multi-line reply prefixed), or `Rosey (private): text`. */
export function formatBotLine(botName: string, text: string, privately = false): string {
  const prefix = `${botName}${privately ? ' (private)' : ''}: `;
  return text
    .replace(UNSAFE, '')
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

/** Something that happened in the console channel, not said by anyone: `* text`. */
export function formatNotice(text: string): string {
  return `* ${text.replace(UNSAFE, '')}`;
}
