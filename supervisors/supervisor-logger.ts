/**
 * What a supervisor logs through. The library takes any object with these four methods (Rosey's
 * logger is one), so it depends on no logging package of its own.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface SupervisorLogger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** The logger of a supervisor given none. */
export const silentLogger: SupervisorLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
