import { z } from './zod.js';
import type { LogFields, LogLevel } from './log.js';

/**
 * How a plugin process logs: one JSON line on stderr per entry, `{"level","msg","fields"?}`. The SDK
 * writes them (sdk/process-logger.ts) without a logging library (each plugin process would carry
 * pino's ~7 MB); the plugin host reads them back and logs them through its own logger, under the
 * plugin's name and generation, where the redaction of secrets applies.
 */
export function formatPluginLogLine(level: LogLevel, msg: string, fields?: LogFields): string {
  return JSON.stringify(fields ? { level, msg, fields } : { level, msg }) + '\n';
}

const pluginLogLine = z
  .object({
    level: z.enum(['debug', 'info', 'warn', 'error']),
    msg: z.string(),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  })
  .strict();

export type PluginLogLine = { level: LogLevel; msg: string; fields?: LogFields };

/**
 * Level, text and fields of a line a plugin wrote. Anything that is not a log line (console.log,
 * console.error, a crash's stack trace) is kept as text: a warning on stderr, info on stdout.
 */
export function parsePluginLogLine(line: string, stream: 'stdout' | 'stderr'): PluginLogLine {
  if (stream === 'stderr' && line.startsWith('{')) {
    try {
      const parsed = pluginLogLine.safeParse(JSON.parse(line));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: plain text below
    }
  }
  return { level: stream === 'stderr' ? 'warn' : 'info', msg: line };
}
