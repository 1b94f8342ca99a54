import { prettyFactory } from 'pino-pretty';

export type StderrFormat = 'text' | 'json';

/** process.stderr, or a test's stand-in. */
export interface TextOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Log lines on stderr: the file's JSON lines as they are, or one readable line each through
 * pino-pretty (`[12:00:01.250] WARN: [router] text {"key":value}`), in colour on a terminal. The lines
 * are formatted synchronously (pino-pretty's factory, not its stream): a line logged just before
 * Rosey exits is not lost in a transform stream's buffer.
 */
export function stderrDestination(format: StderrFormat, output: TextOutput): { write(line: string): void } {
  if (format === 'json') return { write: (line) => void output.write(line) };
  const pretty = prettyFactory({
    colorize: Boolean(output.isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: '{if actor}[{actor}] {end}{msg}',
    ignore: 'actor',
    singleLine: true,
  });
  return { write: (line) => void output.write(pretty(line)) };
}
