import { isSecretKey, redactText } from '../logging/redaction.js';

/** What a masked secret reads as: its presence shows, its value does not. */
export const MASK = '********';

/**
 * A configuration to show to a person (`rosey config show`): every value under a secret's key
 * (`password`, `token`, …, at any depth) replaced by MASK, and every string that quotes a secret
 * (a `postgres://user:password@…` URL) censored, so the output can be pasted into a bug report.
 */
export function maskSecrets(value: unknown, key?: string): unknown {
  if (key !== undefined && isSecretKey(key) && value !== undefined && value !== null && value !== '')
    return MASK;
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  return value;
}
