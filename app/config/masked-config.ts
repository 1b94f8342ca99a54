import { CENSOR, isSecretKey, redactText } from '../logging/redaction.js';

/**
 * A configuration to show to a person (`rosey config show`) or keep in a backup: every value under a
 * secret's key (`password`, `token`, …, at any depth) replaced by `[Redacted]`, as the log does, and
 * every string that quotes a secret (a `postgres://user:password@…` URL) censored, so the output can
 * be pasted into a bug report.
 */
export function maskSecrets(value: unknown, key?: string): unknown {
  if (key !== undefined && isSecretKey(key) && value !== undefined && value !== null && value !== '')
    return CENSOR;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  return value;
}
