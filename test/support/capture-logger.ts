import type { Logger, LogFields } from '../../contract/log.js';

export interface CapturedLine {
  tag: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields?: LogFields;
}

/** A logger that keeps every line, for tests that assert on what was logged. */
export function captureLogger(tag = 'rosey', lines: CapturedLine[] = []): Logger & { lines: CapturedLine[] } {
  const at =
    (level: CapturedLine['level']) =>
    (msg: string, fields?: LogFields): void => {
      lines.push({ tag, level, msg, fields });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (sub: string) => captureLogger(`${tag}/${sub}`, lines),
  };
}
