import type { LogFields, LogLevel } from './log.js';

/**
 * How a plugin process logs: one line on stderr per entry, `LEVEL message key=value…`. The SDK
 * writes them (sdk/process-logger.ts); the plugin host reads them back into Rosey's log under the
 * plugin's name.
 */
export function formatPluginLogLine(level: LogLevel, msg: string, fields?: LogFields): string {
  let line = `${level.toUpperCase()} ${msg.replace(/\n/g, '\\n')}`;
  for (const [k, v] of Object.entries(fields ?? {}))
    if (v !== undefined) line += ` ${k}=${JSON.stringify(v)}`;
  return line + '\n';
}

export type PluginLogLine = { level: LogLevel; msg: string };

/** Level and text of a line a plugin wrote; unmarked stderr is a warning, unmarked stdout info. */
export function parsePluginLogLine(line: string, stream: 'stdout' | 'stderr'): PluginLogLine {
  const match = /^(DEBUG|INFO|WARN|ERROR) (.*)$/.exec(line);
  if (match) return { level: match[1]!.toLowerCase() as LogLevel, msg: match[2]! };
  return { level: stream === 'stderr' ? 'warn' : 'info', msg: line };
}
