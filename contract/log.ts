/**
 * The logger every actor is given and every plugin gets as `ctx.log`: the interface only. Where the
 * lines go (stderr, a file, a plugin process's stderr) is decided above: app/logging/ for Rosey,
 * sdk/process-logger.ts for a plugin process (contract/plugin-log-line.ts).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /**
   * A logger whose lines carry `tag` (an actor or plugin name) after its parent's, and `bindings`
   * (e.g. a plugin's name and generation) on every line.
   */
  child(tag: string, bindings?: LogFields): Logger;
}

/**
 * The default for actors given no logger (and for tests): silent, unless `ROSEY_TEST_LOG=1`, which
 * writes every line to stderr to see what a failing test's actors did.
 */
export const quietLogger: Logger = tagged(process.env.ROSEY_TEST_LOG === '1', 'rosey');

function tagged(loud: boolean, tag: string): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: LogFields): void => {
      if (!loud) return;
      const extra = fields ? ` ${JSON.stringify(fields)}` : '';
      process.stderr.write(`${level.toUpperCase().padEnd(5)} [${tag}] ${msg}${extra}\n`);
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (sub) => tagged(loud, tag === 'rosey' ? sub : `${tag}/${sub}`),
  };
}
