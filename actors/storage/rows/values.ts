import type { Dialect } from '../../database/open.js';
import { LIMITS } from '../../../contract/messages/storage-limits.js';
import { fail } from '../../database/storage-error.js';
import { checkJsonValue, checkUnicode } from '../json-values.js';
import type { ColumnInfo, TableSchema } from './table-schema.js';

export type Row = Record<string, unknown>;

export function column(schema: TableSchema, field: string, plugin: string): ColumnInfo {
  const info = schema.columns.get(field);
  if (!info) fail('UNKNOWN_FIELD', `${plugin}: table ${schema.name} has no field ${JSON.stringify(field)}`);
  return info!;
}

/** What a refused value was: the number itself (`not Infinity`, `not 1.5`), else its kind. */
const describe = (v: unknown) =>
  Array.isArray(v) ? 'an array' : typeof v === 'number' ? String(v) : `a ${typeof v}`;

/**
 * Checks one value against its column and turns it into what the driver binds. Both databases see
 * the same rules, so SQLite's loose typing cannot accept what PostgreSQL would refuse.
 */
export function toDatabase(col: ColumnInfo, value: unknown, dialect: Dialect, where: string): unknown {
  if (value === null) {
    if (!col.nullable) fail('VALIDATION_ERROR', `${where}: ${col.name} cannot be null`);
    return null;
  }
  switch (col.kind) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        fail('VALIDATION_ERROR', `${where}: ${col.name} must be a whole number, not ${describe(value)}`);
      }
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        fail('VALIDATION_ERROR', `${where}: ${col.name} must be a finite number, not ${describe(value)}`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') fail('VALIDATION_ERROR', `${where}: ${col.name} must be true or false`);
      return dialect === 'sqlite' ? (value ? 1 : 0) : value;
    case 'json': {
      checkJsonValue(value, `${where}: ${col.name}`);
      // Never undefined: checkJsonValue refused what JSON has no text for.
      const text = JSON.stringify(value);
      if (text.length > LIMITS.rowTextLength)
        fail('VALUE_TOO_LARGE', `${where}: ${col.name} is longer than ${LIMITS.rowTextLength} characters`);
      return text;
    }
    case 'text':
    case 'datetime':
      if (typeof value !== 'string')
        fail('VALIDATION_ERROR', `${where}: ${col.name} must be a string, not ${describe(value)}`);
      if ((value as string).length > LIMITS.rowTextLength) {
        fail('VALUE_TOO_LARGE', `${where}: ${col.name} is longer than ${LIMITS.rowTextLength} characters`);
      }
      checkUnicode(value as string, `${where}: ${col.name}`);
      return value;
    case 'any':
      if (typeof value === 'string') {
        if (value.length > LIMITS.rowTextLength)
          fail('VALUE_TOO_LARGE', `${where}: ${col.name} is longer than ${LIMITS.rowTextLength} characters`);
        checkUnicode(value, `${where}: ${col.name}`);
        return value;
      }
      if (typeof value === 'boolean' || Number.isFinite(value)) return value;
      return fail('VALIDATION_ERROR', `${where}: ${col.name} must be a string, finite number or boolean`);
  }
}

/** Database values → JSON the caller can rely on, the same from both databases. */
export function fromDatabase(schema: TableSchema, row: Row, dialect: Dialect): Row {
  const out: Row = {};
  for (const [field, value] of Object.entries(row)) {
    const kind = schema.columns.get(field)?.kind;
    out[field] = shape(kind, value, dialect);
  }
  return out;
}

export function shape(kind: ColumnInfo['kind'] | undefined, value: unknown, dialect: Dialect): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'integer':
    case 'number':
      return typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
    case 'boolean':
      return typeof value === 'number' ? value !== 0 : value;
    case 'json':
      // SQLite returns the JSON text; PostgreSQL's driver has parsed it already, so a string there
      // is a JSON string value (`"a"`), not text to parse.
      return dialect === 'sqlite' && typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    default:
      // datetime and the rest: PostgreSQL gives dates as Date objects.
      return value instanceof Date ? value.toISOString() : typeof value === 'bigint' ? Number(value) : value;
  }
}
