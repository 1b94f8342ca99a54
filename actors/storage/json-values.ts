import { LIMITS } from '../../contract/messages/storage-limits.js';
import { fail } from '../database/storage-error.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text must be Unicode: a lone surrogate has no UTF-8 form, so SQLite would store invalid bytes and
 * PostgreSQL a U+FFFD, which another key or value may already be.
 */
export function checkUnicode(text: string, where: string): void {
  if (LONE_SURROGATE.test(text))
    fail('VALIDATION_ERROR', `${where}: must be Unicode (it holds a lone surrogate)`);
}

const isPlainObject = (v: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * Refuses a JSON value storage would not keep faithfully: nested deeper than
 * LIMITS.jsonValueDepth (the top-level value is level 1), a number that is not finite
 * (JSON.stringify writes `null`), a string or key with a lone surrogate (not Unicode), or
 * anything JSON has no form for. The bus envelope already refuses most of this in the raw text;
 * this holds for any caller, and keeps a stored value shallow enough that its reply, nested in
 * `{ok, data: …}`, still fits the bus's own depth bound. Iterative: the depth is not yet known.
 */
export function checkJsonValue(value: unknown, where: string): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    switch (typeof item) {
      case 'string':
        checkUnicode(item, where);
        continue;
      case 'number':
        if (!Number.isFinite(item)) fail('VALIDATION_ERROR', `${where}: ${item} is not a finite number`);
        continue;
      case 'boolean':
        continue;
      case 'object': {
        if (item === null) continue;
        if (depth > LIMITS.jsonValueDepth)
          fail('VALIDATION_ERROR', `${where}: nested deeper than ${LIMITS.jsonValueDepth} levels`);
        if (Array.isArray(item)) {
          for (const element of item) stack.push([element, depth + 1]);
          continue;
        }
        if (!isPlainObject(item)) fail('VALIDATION_ERROR', `${where}: not a JSON value`);
        for (const [key, member] of Object.entries(item)) {
          checkUnicode(key, where);
          stack.push([member, depth + 1]);
        }
        continue;
      }
      default:
        fail('VALIDATION_ERROR', `${where}: ${typeof item} is not a JSON value`);
    }
  }
}
