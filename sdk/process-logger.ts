import type { LogFields, Logger, LogLevel } from '../contract/log.js';
import { tracing } from '../contract/tracing.js';
import { formatPluginLogLine } from '../contract/plugin-log-line.js';

/**
 * A plugin process's logger (`ctx.log`): JSON lines on stderr that the plugin host logs under the
 * plugin's name and generation (contract/plugin-log-line.ts). A child's tag and bindings are the
 * host's to add, so a child logs as its parent.
 */
export function processLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const at = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    // Inside a command's span (tracing on) the line names it, as Rosey's own lines do.
    const ids = tracing()?.activeIds();
    write(formatPluginLogLine(level, msg, ids ? { ...fields, ...ids } : fields));
  };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}
