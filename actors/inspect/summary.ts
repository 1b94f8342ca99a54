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

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY =
  /pass(?:word|wd)?$|secret|token|credential|creds|cookie|authori[sz]ation|api-?key|private-?key|nkey|seed|jwt|^auth$|^pass$/i;

/** `scheme://user:password@host`: the password part. */
const URL_USERINFO = /(\/\/[^/\s:@]*:)[^/\s@]*@/g;

/** Thrown inside a walk that has gone past the size budget: the rest is not worth walking. */
class OverBudget extends Error {}

export class Redactor {
  private readonly secrets: string[];
  /** Characters the summary being built may still take (roughly: its JSON's length). */
  private budget = 0;

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
    // A budget rather than a check at the end: a large context is not walked to the bottom (this
    // runs in every watched step of every actor).
    this.budget = this.limits.totalChars;
    try {
      const summary = this.walk(value, 0);
      const size = JSON.stringify(summary)?.length ?? 0;
      return size > this.limits.totalChars ? this.tooLarge() : summary;
    } catch (error) {
      if (error instanceof OverBudget) return this.tooLarge();
      throw error;
    }
  }

  private tooLarge(): string {
    return `[more than ${this.limits.totalChars} characters, not shown]`;
  }

  private spend(chars: number): void {
    this.budget -= chars;
    if (this.budget < 0) throw new OverBudget();
  }

  /** The text with known secrets and URL passwords taken out. */
  text(value: string): string {
    let out = value.replace(URL_USERINFO, `$1${REDACTED}@`);
    for (const secret of this.secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    return out;
  }

  private walk(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string': {
        const text = this.text(value);
        const shown =
          text.length > this.limits.stringChars
            ? `${text.slice(0, this.limits.stringChars)}… (${text.length} characters)`
            : text;
        this.spend(shown.length + 2);
        return shown;
      }
      case 'number':
        return Number.isFinite(value) ? value : String(value);
      case 'boolean':
        return value;
      case 'bigint':
        return `${value}n`;
      case 'undefined':
        return undefined;
      case 'function':
        return '[function]';
      case 'symbol':
        return '[symbol]';
    }
    if (value === null) return null;
    if (Array.isArray(value)) {
      if (depth >= this.limits.depth) return `[${value.length} items]`;
      const shown = value
        .slice(0, this.limits.items)
        .map((item: unknown) => this.walk(item, depth + 1) ?? null);
      if (value.length > shown.length) shown.push(`… ${value.length - shown.length} more`);
      return shown;
    }
    const object = value as object;
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) return this.instance(object);
    if (depth >= this.limits.depth) return '[object]';
    const out: Record<string, unknown> = {};
    const entries = Object.entries(object);
    for (const [key, item] of entries.slice(0, this.limits.keys)) {
      this.spend(key.length + 4);
      out[key] = SECRET_KEY.test(key) ? REDACTED : this.walk(item, depth + 1);
    }
    if (entries.length > this.limits.keys) out['…'] = `${entries.length - this.limits.keys} more keys`;
    return out;
  }

  /** A class instance: actor refs by their id, errors by their message, the rest by class name. */
  private instance(object: object): string {
    if (object instanceof Error) return this.walk(`${object.name}: ${object.message}`, 0) as string;
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
}
