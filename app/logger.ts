import { createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { LogFields, Logger, LogLevel } from '../contract/log.js';

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go. Never stdout: stdout belongs to the chat (console platform) and to CLI output. */
export interface LogSinkOptions {
  /** Minimum level written to stderr. `'silent'` writes nothing there. */
  stderrLevel: LogLevel | 'silent';
  /** Optional log file, written at `fileLevel`. */
  file?: string;
  fileLevel?: LogLevel;
  format?: 'text' | 'json';
}

interface Sink {
  write(level: LogLevel, tag: string, msg: string, fields: LogFields | undefined): void;
  setStderrLevel(level: LogLevel | 'silent'): void;
  close(): Promise<void>;
}

function formatText(level: LogLevel, tag: string, msg: string, fields: LogFields | undefined): string {
  let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${tag}] ${msg}`;
  if (fields) {
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      const s = String(v);
      line += ` ${k}=${/[\s"]/.test(s) ? JSON.stringify(s) : s}`;
    }
  }
  return line + '\n';
}

function formatJson(level: LogLevel, tag: string, msg: string, fields: LogFields | undefined): string {
  return JSON.stringify({ time: new Date().toISOString(), level, tag, msg, ...fields }) + '\n';
}

function createSink(options: LogSinkOptions): Sink {
  const format = options.format === 'json' ? formatJson : formatText;
  let stream: WriteStream | undefined;
  if (options.file) {
    const file = options.file;
    let fd: number;
    try {
      mkdirSync(dirname(file), { recursive: true });
      fd = openSync(file, 'a');
    } catch (error) {
      throw new Error(`cannot open the log file ${file}: ${(error as Error).message}`);
    }
    stream = createWriteStream('', { fd });
    stream.on('error', (error) => {
      // A full disk or a revoked file must not take Rosey down: say it once, keep logging to stderr.
      process.stderr.write(`rosey: log file ${file} failed (${error.message}); no longer writing to it\n`);
      stream = undefined;
    });
  }
  const fileLevel = options.fileLevel ?? 'info';
  let stderrLevel = options.stderrLevel;
  return {
    write(level, tag, msg, fields) {
      const line = format(level, tag, msg, fields);
      if (stderrLevel !== 'silent' && rank[level] >= rank[stderrLevel]) process.stderr.write(line);
      if (stream && rank[level] >= rank[fileLevel]) stream.write(line);
    },
    setStderrLevel(level) {
      stderrLevel = level;
    },
    close: () => new Promise((resolve) => (stream ? stream.end(resolve) : resolve())),
  };
}

function bind(sink: Sink, tag: string): Logger {
  return {
    debug: (msg, fields) => sink.write('debug', tag, msg, fields),
    info: (msg, fields) => sink.write('info', tag, msg, fields),
    warn: (msg, fields) => sink.write('warn', tag, msg, fields),
    error: (msg, fields) => sink.write('error', tag, msg, fields),
    child: (sub) => bind(sink, tag === 'rosey' ? sub : `${tag}/${sub}`),
  };
}

export interface RootLogger extends Logger {
  /** Change what reaches stderr (the log file is unaffected). */
  setStderrLevel(level: LogLevel | 'silent'): void;
  close(): Promise<void>;
}

export function createLogger(options: LogSinkOptions): RootLogger {
  const sink = createSink(options);
  return Object.assign(bind(sink, 'rosey'), {
    setStderrLevel: (level: LogLevel | 'silent') => sink.setStderrLevel(level),
    close: () => sink.close(),
  });
}
