import type { Logger, LogFields } from '../../contract/log.js';

export interface CapturedLine {
  tag: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields?: LogFields;
  /** What the child loggers on the way were bound to (a plugin's name and generation, …). */
  bindings?: LogFields;
}

/** A logger that keeps every line, for tests that assert on what was logged. */
export function captureLogger(
  tag = 'rosey',
  lines: CapturedLine[] = [],
  bindings?: LogFields,
): Logger & { lines: CapturedLine[] } {
  const at =
    (level: CapturedLine['level']) =>
    (msg: string, fields?: LogFields): void => {
      lines.push({ tag, level, msg, fields, ...(bindings ? { bindings } : {}) });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (sub: string, more?: LogFields) =>
      captureLogger(`${tag}/${sub}`, lines, more || bindings ? { ...bindings, ...more } : undefined),
  };
}
