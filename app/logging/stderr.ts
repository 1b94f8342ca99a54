import { createRequire } from 'node:module';
import type { prettyFactory as PrettyFactory } from 'pino-pretty';

const require = createRequire(import.meta.url);

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
  // pino-pretty (~30 modules, ~30 ms of CPU under load) loads with the first readable line, not
  // with every start of Rosey (issue 16): at the default level most runs print none.
  let pretty: ReturnType<typeof PrettyFactory> | undefined;
  return { write: (line) => void output.write((pretty ??= readable(output))(line)) };
}

function readable(output: TextOutput): ReturnType<typeof PrettyFactory> {
  const { prettyFactory } = require('pino-pretty') as { prettyFactory: typeof PrettyFactory };
  return prettyFactory({
    colorize: Boolean(output.isTTY),
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: '{if actor}[{actor}] {end}{msg}',
    ignore: 'actor',
    singleLine: true,
  });
}
