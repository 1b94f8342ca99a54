import type { Logger } from '../contract/log.js';
import { formatPluginLogLine } from '../contract/plugin-log-line.js';

/**
 * A plugin process's logger: lines on stderr in the format the plugin host reads back into Rosey's
 * log under the plugin's name (contract/plugin-log-line.ts).
 */
export function processLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const logger: Logger = {
    debug: (msg, fields) => write(formatPluginLogLine('debug', msg, fields)),
    info: (msg, fields) => write(formatPluginLogLine('info', msg, fields)),
    warn: (msg, fields) => write(formatPluginLogLine('warn', msg, fields)),
    error: (msg, fields) => write(formatPluginLogLine('error', msg, fields)),
    child: () => logger,
  };
  return logger;
}
