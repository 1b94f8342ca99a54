import type { Logger } from '../contract/log.js';
import { formatPluginLogLine } from '../contract/plugin-log-line.js';

/**
 * A plugin process's logger (`ctx.log`): JSON lines on stderr that the plugin host logs under the
 * plugin's name and generation (contract/plugin-log-line.ts). A child's tag and bindings are the
 * host's to add, so a child logs as its parent.
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
