/**
 * One finding of `rosey doctor`. `fail` is something that stops Rosey or a part of it (exit 1);
 * `warn` works today but deserves attention; `skip` could not be checked because an earlier check
 * failed (the configuration) or does not apply (no CyTube channel configured).
 */
export interface CheckResult {
  check: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  /** What to try, for `warn` and `fail`. */
  fix?: string;
}

export const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
export const warn = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'warn',
  detail,
  fix,
});
export const failed = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'fail',
  detail,
  fix,
});
export const skipped = (check: string, detail: string): CheckResult => ({ check, status: 'skip', detail });
