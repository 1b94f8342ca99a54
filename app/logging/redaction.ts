/**
 * What never reaches a log line. pino's `redact` censors fields by name; secrets can also sit inside
 * text (an error that quotes a connection URL, a plugin's `password=…`), which no field path finds,
 * so every message and string field also goes through `redactText`.
 */
export const CENSOR = '[Redacted]';

/** Field names whose values are secrets (config keys, runtime-file keys, NATS credentials). */
const SECRET_KEYS = [
  'password',
  'pass',
  'passwd',
  'pwd',
  'token',
  'secret',
  'credentials',
  'creds',
  'nkey',
  'seed',
  'jwt',
  'apiKey',
  'api_key',
  'authorization',
  'natsPass',
  'natsToken',
  'channelPassword',
];

/**
 * pino `redact` paths: the keys at the top level of a line. A line's fields and a logger's bindings
 * are flat (`LogFields`), and wildcard paths (`*.password`) would make every line ~4× slower.
 */
export const redactPaths = SECRET_KEYS;

const SECRET_KEY_NAMES = new Set(SECRET_KEYS.map((k) => k.toLowerCase()));

/** Whether a field or config key of this name holds a secret (`password`, `http.token`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_NAMES.has(key.toLowerCase());
}

const SECRET_IN_TEXT: Array<[RegExp, string]> = [
  // scheme://user:password@host (PostgreSQL, NATS): the user stays, the password goes.
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):[^\s/@]*@/gi, `$1$2:${CENSOR}@`],
  // scheme://token@host: NATS takes a token as the URL's only credential.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+@/gi, `$1${CENSOR}@`],
  // password=…, token: …, "secret": "…"
  [
    /\b([\w-]*(?:password|passwd|pwd|token|secret|api[_-]?key)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"')\]}]+)/gi,
    `$1${CENSOR}`,
  ],
  // Authorization: Bearer …
  [/\b(bearer\s+)[\w.~+/-]+=*/gi, `$1${CENSOR}`],
  // NATS nkey seeds (S, the key's type, base32) and JWTs (a NATS user's credentials file has both).
  [/\bS[UAONCX][A-Z2-7]{56}\b/g, CENSOR],
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, CENSOR],
];

/** Whether `text` could hold any of the above: most lines cannot, and skip the six passes. */
const MAYBE_SECRET = /[=:]|bearer|eyJ|S[UAONCX][A-Z2-7]{56}/i;

/** `text` with every secret it quotes replaced by `[Redacted]`. */
export function redactText(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of SECRET_IN_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** A line's fields with the secrets inside their string values censored (pino `formatters.log`). */
export function redactFieldText(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== 'string') continue;
    const clean = redactText(value);
    if (clean === value) continue;
    out ??= { ...fields };
    out[key] = clean;
  }
  return out ?? fields;
}
