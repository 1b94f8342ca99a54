import type { Logger, LogFields } from '../log/logger.js';

/**
 * A plugin process logs to stderr as `LEVEL message key=value`; the plugin host reads those lines
 * and writes them to Rosey's log under the plugin's name (parsePluginLogLine).
 */
export function processLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const emit = (level: string, msg: string, fields?: LogFields) => {
    let line = `${level} ${msg.replace(/\n/g, '\\n')}`;
    for (const [k, v] of Object.entries(fields ?? {}))
      if (v !== undefined) line += ` ${k}=${JSON.stringify(v)}`;
    write(line + '\n');
  };
  const logger: Logger = {
    debug: (msg, fields) => emit('DEBUG', msg, fields),
    info: (msg, fields) => emit('INFO', msg, fields),
    warn: (msg, fields) => emit('WARN', msg, fields),
    error: (msg, fields) => emit('ERROR', msg, fields),
    child: () => logger,
  };
  return logger;
}

export type PluginLogLine = { level: 'debug' | 'info' | 'warn' | 'error'; msg: string };

/** Level and text of a line a plugin wrote; unmarked stderr is a warning, unmarked stdout info. */
export function parsePluginLogLine(line: string, stream: 'stdout' | 'stderr'): PluginLogLine {
  const match = /^(DEBUG|INFO|WARN|ERROR) (.*)$/.exec(line);
  if (match) return { level: match[1]!.toLowerCase() as PluginLogLine['level'], msg: match[2]! };
  return { level: stream === 'stderr' ? 'warn' : 'info', msg: line };
}
