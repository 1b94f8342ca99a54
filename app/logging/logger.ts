import { pino, type Logger as Pino, type LevelWithSilent, type MultiStreamRes } from 'pino';
import type { LogFields, Logger, LogLevel } from '../../contract/log.js';
import { errorMessage } from '../../contract/result.js';
import { tracing } from '../../contract/tracing.js';
import { openLogFile, type LogFile } from './log-file.js';
import { DEFAULT_ROTATE, type RotateOptions } from './rotate-options.js';
import { CENSOR, redactFieldText, redactPaths, redactText } from './redaction.js';
import { stderrDestination, type StderrFormat, type TextOutput } from './stderr.js';

/** Where Rosey's log lines go. Never stdout: stdout belongs to the chat (console platform) and to CLI output. */
export interface LoggerOptions {
  /** Minimum level written to stderr. `'silent'` writes nothing there. */
  stderrLevel: LogLevel | 'silent';
  /** `text` (pino-pretty, in colour on a terminal) or `json` (the file's lines). Default `text`. */
  stderrFormat?: StderrFormat;
  /** Optional log file (JSON lines), written at `fileLevel`. */
  file?: string;
  fileLevel?: LogLevel;
  rotate?: RotateOptions;
  /** Tests: where stderr lines go instead of process.stderr. */
  stderr?: TextOutput;
}

export interface RootLogger extends Logger {
  /**
   * Changes what reaches stderr (the log file is unaffected). Lines below the levels the logger was
   * created with (file and stderr) are not produced at all, so this cannot go below them.
   */
  setStderrLevel(level: LogLevel | 'silent'): void;
  /**
   * Keeps the lines meant for stderr instead of writing them, until `releaseStderr`: a start that
   * fails is summed up in one line, and one that succeeds still shows what went wrong on the way
   * (a plugin that did not start: issue 22 found it only in the log file).
   */
  holdStderr(): void;
  /** Ends the hold: writes the kept lines (`show`) or drops them. */
  releaseStderr(show: boolean): void;
  /** Writes out every buffered line and closes the file; later lines reach stderr only. */
  close(): Promise<void>;
}

/** Lines kept while stderr is held; a start that logs more says how many more are in the file. */
const HELD_MAX = 50;

const ORDER: LogLevel[] = ['debug', 'info', 'warn', 'error'];
const lowest = (...levels: Array<LogLevel | 'silent'>): LevelWithSilent =>
  ORDER.find((level) => levels.includes(level)) ?? 'silent';

/**
 * Rosey's logger: pino, with JSON lines to a rotating file (pino-roll) and readable lines on stderr
 * (pino-pretty), secrets censored (see redaction.ts), and a child logger per actor whose lines carry
 * its path (`actor`) and whatever else it was bound to (`plugin`, `generation`).
 */
export async function createLogger(options: LoggerOptions): Promise<RootLogger> {
  const fileLevel = options.fileLevel ?? 'info';
  const file: LogFile | undefined = options.file
    ? await openLogFile(options.file, options.rotate ?? DEFAULT_ROTATE)
    : undefined;
  const output = options.stderr ?? process.stderr;
  // `lastId` (the id `remove` takes) is in pino's API documentation but not in its types.
  const streams = pino.multistream([]) as MultiStreamRes & { lastId: number };
  const pretty = stderrDestination(options.stderrFormat ?? 'text', output);
  let held: { lines: string[]; more: number } | undefined;
  const stderr = {
    write: (line: string) => {
      if (!held) return pretty.write(line);
      if (held.lines.length < HELD_MAX) held.lines.push(line);
      else held.more++;
    },
  };
  const holdStderr = () => {
    held ??= { lines: [], more: 0 };
  };
  const releaseStderr = (show: boolean) => {
    const kept = held;
    held = undefined;
    if (!show || !kept) return;
    for (const line of kept.lines) pretty.write(line);
    if (kept.more > 0)
      output.write(
        `rosey: ${kept.more} more lines like these ${file ? 'are in the log file' : 'were not shown'}\n`,
      );
  };
  let stderrId: number | undefined;
  const setStderrLevel = (level: LogLevel | 'silent') => {
    if (stderrId !== undefined) streams.remove(stderrId);
    stderrId = undefined;
    if (level === 'silent') return;
    streams.add({ level, stream: stderr });
    stderrId = streams.lastId;
  };
  setStderrLevel(options.stderrLevel);

  let fileId: number | undefined;
  const dropFile = () => {
    if (fileId !== undefined) streams.remove(fileId);
    fileId = undefined;
  };
  if (file) {
    streams.add({ level: fileLevel, stream: file.stream });
    fileId = streams.lastId;
    file.stream.on('error', (error: Error) => {
      if (fileId === undefined) return;
      // A full disk or a revoked file must not take Rosey down: say it once, keep logging to stderr.
      dropFile();
      output.write(`rosey: log file ${options.file} failed (${error.message}); no longer writing to it\n`);
    });
  }

  const root = pino(
    {
      level: lowest(fileLevel, options.stderrLevel),
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: CENSOR },
      // A line logged inside a span (tracing on) names it, so a log line leads to its trace.
      // A fresh object each time: pino merges the line's fields into what the mixin returns.
      mixin: () => tracing()?.activeIds() ?? {},
      formatters: {
        level: (label) => ({ level: label }),
        log: redactFieldText,
      },
      hooks: {
        logMethod(args, method) {
          const clean = args.map((arg: unknown) => (typeof arg === 'string' ? redactText(arg) : arg));
          method.apply(this, clean as Parameters<typeof method>);
        },
      },
    },
    streams,
  );

  // Lines are written asynchronously; on an exit that skips close() (a second signal, a fatal
  // error, process.exit anywhere) write out what is still buffered, synchronously.
  const flushOnExit = () => {
    if (fileId === undefined || !file || file.stream.destroyed) return;
    try {
      file.stream.flushSync();
    } catch (error) {
      output.write(`rosey: could not write the last log lines: ${errorMessage(error)}\n`);
    }
  };
  if (file) process.on('exit', flushOnExit);

  return Object.assign(adapt(root, root, '', {}), {
    setStderrLevel,
    holdStderr,
    releaseStderr,
    close: async () => {
      process.off('exit', flushOnExit);
      if (!file || fileId === undefined) return;
      dropFile();
      await file.close();
    },
  });
}

/** Keys of every line that a line's own fields must not repeat (pino would write both). */
const LINE_KEYS = ['level', 'time', 'msg'];

/**
 * A line's fields with any key the line already has (its level, time, message, or what the logger
 * is bound to) renamed `_<key>`: a plugin's `ctx.log.info('…', { actor: 'router' })` must not pass
 * for the router's line in a reader that keeps the last of two equal keys.
 */
function ownFields(fields: LogFields, taken: readonly string[]): LogFields {
  if (!taken.some((key) => key in fields)) return fields;
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) out[taken.includes(key) ? `_${key}` : key] = value;
  return out;
}

/** Rosey's Logger interface over a pino logger; children hang off the root, so keys never repeat. */
function adapt(root: Pino, logger: Pino, path: string, bound: LogFields): Logger {
  const taken = [...LINE_KEYS, ...Object.keys(bound)];
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (fields) logger[level](ownFields(fields, taken), msg);
      else logger[level](msg);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (tag: string, bindings?: LogFields) => {
      const actor = path ? `${path}/${tag}` : tag;
      const all: LogFields = { actor, ...bound, ...bindings };
      all.actor = actor; // first in the line, and this logger's own path, not its parent's
      return adapt(root, root.child(all), actor, all);
    },
  };
}
