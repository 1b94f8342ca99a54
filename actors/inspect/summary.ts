/**
 * What inspection shows of an actor's context or an event: plain JSON, bounded, with no secret in it.
 * Contexts hold connections, loggers, child refs, the config with its passwords and the NATS
 * credentials plugins get, so only plain objects and arrays are walked (a class instance is shown
 * by its class name), a key that names a secret shows `[redacted]` whatever its value, and any
 * string that contains one of the known secret values is redacted too (a URL with a password in it,
 * a token echoed in an error message).
 */

export interface SummaryLimits {
  depth: number;
  keys: number;
  items: number;
  stringChars: number;
  /** Past this many characters of JSON the whole summary is replaced by a note of its size. */
  totalChars: number;
}

export const DEFAULT_LIMITS: SummaryLimits = {
  depth: 4,
  keys: 24,
  items: 10,
  stringChars: 200,
  totalChars: 4096,
};

export const REDACTED = '[redacted]';
const REDACTED_JSON = JSON.stringify(REDACTED);

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY =
  /pass(?:word|wd)?$|secret|token|credential|creds|cookie|authori[sz]ation|api-?key|private-?key|nkey|seed|jwt|^auth$|^pass$/i;

/** `scheme://user:password@host`: the password part. */
const URL_USERINFO = /(\/\/[^/\s:@]*:)[^/\s@]*@/g;

/** Thrown inside a walk that has gone past the size budget: the rest is not worth walking. */
class OverBudget extends Error {}

/** Characters JSON.stringify escapes (control characters, quote, backslash, lone surrogate halves). */
// eslint-disable-next-line no-control-regex
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The length of `text` as JSON, without making the JSON unless something in it is escaped. */
const jsonLength = (text: string): number =>
  ESCAPED.test(text) ? JSON.stringify(text).length : text.length + 2;

/** Keys told apart as secret or not, remembered: contexts and events use the same few keys. */
const KEYS_REMEMBERED = 4096;

/** A plain object or an array: what a context's field may be summarised once and remembered as. */
const isPlain = (value: unknown): value is object => {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

export class Redactor {
  private readonly secrets: string[];
  /** Characters of JSON the summary being built may still take. */
  private budget = 0;
  private readonly secretKeys = new Map<string, boolean>();
  /** A context field's summary as JSON, by the field's value (see `summariseContext`). */
  private readonly fields = new WeakMap<object, string | undefined>();

  constructor(
    secrets: Iterable<string | undefined> = [],
    private readonly limits: SummaryLimits = DEFAULT_LIMITS,
  ) {
    // Short values would redact half of every text (and are no secret worth the name).
    this.secrets = [
      ...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 4)),
    ];
  }

  /** A redacted, bounded copy of `value`, as JSON. */
  summarise(value: unknown): unknown {
    // The walk counts the summary's JSON length exactly as it builds it and stops as soon as it
    // passes the limit: a large context is not walked to the bottom, and the summary is not turned
    // into JSON once more only to be measured (this runs in every watched step of every actor).
    this.budget = this.limits.totalChars;
    try {
      return this.walk(value, 0);
    } catch (error) {
      if (error instanceof OverBudget) return this.tooLarge();
      throw error;
    }
  }

  /**
   * `summarise(context)` as JSON, for a context XState gives again and again: a field whose value is
   * the very object it was the last time (an `assign` keeps every field it does not change) is not
   * walked and turned into JSON again. XState's contexts are replaced, not changed in place; a
   * plain object or array that is changed in place shows as it was when first summarised.
   */
  summariseContext(context: unknown): string {
    if (!isPlain(context) || Array.isArray(context) || this.limits.depth < 1)
      return JSON.stringify(this.summarise(context)) ?? 'null';
    const keys = Object.keys(context);
    const count = Math.min(keys.length, this.limits.keys);
    // Its braces, and its fields each with a comma before it but the first.
    let length = 2;
    const parts: string[] = [];
    const add = (key: string, json: string) => {
      const part = `${JSON.stringify(key)}:${json}`;
      length += part.length + (parts.length > 0 ? 1 : 0);
      parts.push(part);
    };
    try {
      for (let i = 0; i < count; i++) {
        const key = keys[i]!;
        const json = this.isSecretKey(key)
          ? REDACTED_JSON
          : this.field((context as Record<string, unknown>)[key]);
        // JSON leaves out a key whose value is undefined.
        if (json !== undefined) add(key, json);
        if (length > this.limits.totalChars) return JSON.stringify(this.tooLarge());
      }
      if (keys.length > count) add('…', JSON.stringify(`${keys.length - count} more keys`));
    } catch (error) {
      if (error instanceof OverBudget) return JSON.stringify(this.tooLarge());
      throw error;
    }
    return length > this.limits.totalChars ? JSON.stringify(this.tooLarge()) : `{${parts.join(',')}}`;
  }

  /** One field of a context, as JSON (undefined: left out); a plain object or array remembered. */
  private field(value: unknown): string | undefined {
    const plain = isPlain(value);
    if (plain && this.fields.has(value)) return this.fields.get(value);
    this.budget = this.limits.totalChars;
    const summary = this.walk(value, 1);
    const json = summary === undefined ? undefined : JSON.stringify(summary);
    if (plain) this.fields.set(value, json);
    return json;
  }

  private tooLarge(): string {
    return `[more than ${this.limits.totalChars} characters, not shown]`;
  }

  private spend(chars: number): void {
    this.budget -= chars;
    if (this.budget < 0) throw new OverBudget();
  }

  /** A string of the summary, its JSON length spent. */
  private shown(text: string): string {
    this.spend(jsonLength(text));
    return text;
  }

  /** The text with known secrets and URL passwords taken out. */
  text(value: string): string {
    // No `@`, no `scheme://user:password@`: the regular expression is not run on most strings.
    let out = value.includes('@') ? value.replace(URL_USERINFO, `$1${REDACTED}@`) : value;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    return out;
  }

  private isSecretKey(key: string): boolean {
    let secret = this.secretKeys.get(key);
    if (secret === undefined) {
      secret = SECRET_KEY.test(key);
      if (this.secretKeys.size < KEYS_REMEMBERED) this.secretKeys.set(key, secret);
    }
    return secret;
  }

  private walk(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string': {
        const text = this.text(value);
        return this.shown(
          text.length > this.limits.stringChars
            ? `${text.slice(0, this.limits.stringChars)}… (${text.length} characters)`
            : text,
        );
      }
      case 'number':
        if (!Number.isFinite(value)) return this.shown(String(value));
        this.spend(String(value).length);
        return value;
      case 'boolean':
        this.spend(value ? 4 : 5);
        return value;
      case 'bigint':
        return this.shown(`${value}n`);
      case 'undefined':
        return undefined;
      case 'function':
        return this.shown('[function]');
      case 'symbol':
        return this.shown('[symbol]');
    }
    if (value === null) {
      this.spend(4);
      return null;
    }
    if (Array.isArray(value)) {
      if (depth >= this.limits.depth) return this.shown(`[${value.length} items]`);
      const count = Math.min(value.length, this.limits.items);
      // The brackets, and a comma between items.
      this.spend(2 + Math.max(0, (value.length > count ? count + 1 : count) - 1));
      const shown: unknown[] = new Array<unknown>(count);
      for (let i = 0; i < count; i++) {
        const item = this.walk(value[i], depth + 1);
        if (item === undefined) this.spend(4);
        shown[i] = item ?? null;
      }
      if (value.length > count) shown.push(this.shown(`… ${value.length - count} more`));
      return shown;
    }
    const object = value as object;
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) return this.shown(this.instance(object));
    if (depth >= this.limits.depth) return this.shown('[object]');
    const keys = Object.keys(object);
    const count = Math.min(keys.length, this.limits.keys);
    const out: Record<string, unknown> = {};
    this.spend(2);
    let entries = 0;
    for (let i = 0; i < count; i++) {
      const key = keys[i]!;
      const item = this.isSecretKey(key)
        ? this.shown(REDACTED)
        : this.walk((object as Record<string, unknown>)[key], depth + 1);
      // JSON leaves out a key whose value is undefined.
      if (item === undefined) continue;
      // The key, its colon, and the comma before it unless it is the first.
      this.spend(jsonLength(key) + 1 + (entries > 0 ? 1 : 0));
      entries += 1;
      out[key] = item;
    }
    if (keys.length > count) {
      const more = this.shown(`${keys.length - count} more keys`);
      this.spend(jsonLength('…') + 1 + (entries > 0 ? 1 : 0));
      out['…'] = more;
    }
    return out;
  }

  /** A class instance: actor refs by their id, errors by their message, the rest by class name. */
  private instance(object: object): string {
    if (object instanceof Error) return this.clip(this.text(`${object.name}: ${object.message}`));
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
    if (object instanceof Map) return `[Map: ${object.size}]`;
    if (object instanceof Set) return `[Set: ${object.size}]`;
    if ('sessionId' in object && 'send' in object) {
      const id = (object as { id?: unknown }).id;
      return `[actor ${typeof id === 'string' ? this.text(id) : '?'}]`;
    }
    const name = (object.constructor as { name?: unknown } | undefined)?.name;
    return `[${typeof name === 'string' && name ? name : 'object'}]`;
  }

  private clip(text: string): string {
    return text.length > this.limits.stringChars
      ? `${text.slice(0, this.limits.stringChars)}… (${text.length} characters)`
      : text;
  }
}
