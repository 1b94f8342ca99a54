/**
 * The reference model of row filters and update operators (docs/storage.md, "update" and
 * "Filters"): plain JavaScript over an array of rows, written from the documentation and not from
 * the SQL translation, so the property tests can hold Rosey's storage to it. Keep it small and
 * obviously right: it is the spec.
 */

export type Kind = 'integer' | 'number' | 'text' | 'boolean' | 'json';
export interface Column {
  name: string;
  kind: Kind;
  nullable: boolean;
}
export type Row = Record<string, unknown>;

/** A request the model refuses; storage must answer `{ok: false, error: {code}}` and change nothing. */
export class Refused extends Error {
  constructor(readonly code: 'VALIDATION_ERROR' | 'UNKNOWN_FIELD' | 'UNKNOWN_OPERATOR') {
    super(code);
  }
}
const refuse = (code: Refused['code'] = 'VALIDATION_ERROR'): never => {
  throw new Refused(code);
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A non-null value a column of this kind accepts. */
function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'integer':
      return Number.isSafeInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'text':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'json':
      return v !== undefined && v !== null;
  }
}

function columnOf(columns: Column[], name: string): Column {
  return columns.find((c) => c.name === name) ?? refuse('UNKNOWN_FIELD');
}

// ---- filters: SQL's three-valued logic, `null` being "unknown" (a comparison with NULL) ----

type Truth = boolean | null;
const and = (a: Truth, b: Truth): Truth =>
  a === false || b === false ? false : a === null || b === null ? null : true;
const or = (a: Truth, b: Truth): Truth =>
  a === true || b === true ? true : a === null || b === null ? null : false;
const not = (a: Truth): Truth => (a === null ? null : !a);
export type Predicate = (row: Row) => Truth;

const same = (kind: Kind, a: unknown, b: unknown) =>
  kind === 'json' ? JSON.stringify(a) === JSON.stringify(b) : a === b;

/** `%` any run, `_` one character, `\` makes the next one literal. */
function likeRegExp(pattern: string, ignoreCase: boolean): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') source += escapeRegExp(pattern[++i] ?? '');
    else if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '');
}
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The filter as a predicate, or Refused when storage must refuse it (whatever the rows). */
export function compileFilter(filter: unknown, columns: Column[], nested = false): Predicate {
  if (filter === undefined && !nested) return () => true;
  if (!isObject(filter)) return refuse();
  const entries = Object.entries(filter);
  if (nested && entries.length === 0) return refuse();
  const parts = entries.map(([key, value]): Predicate => {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) return refuse();
      const subs = value.map((part) => compileFilter(part, columns, true));
      return key === '$and'
        ? (row) => subs.reduce<Truth>((t, p) => and(t, p(row)), true)
        : (row) => subs.reduce<Truth>((t, p) => or(t, p(row)), false);
    }
    if (key === '$not') {
      const sub = compileFilter(value, columns, true);
      return (row) => not(sub(row));
    }
    if (key.startsWith('$')) return refuse('UNKNOWN_OPERATOR');
    return compileField(columnOf(columns, key), value);
  });
  return (row) => parts.reduce<Truth>((t, p) => and(t, p(row)), true);
}

function compileField(col: Column, spec: unknown): Predicate {
  if (Array.isArray(spec)) return refuse();
  const ops = isObject(spec) ? Object.entries(spec) : [['$eq', spec] as const];
  if (ops.length === 0) return refuse();
  const conditions = ops.map(([op, v]) => compileCondition(col, op, v));
  return (row) => conditions.reduce<Truth>((t, p) => and(t, p(row)), true);
}

/** -1, 0 or 1: numbers by value, text by code point (both databases under a C collation), false < true. */
const order = (a: unknown, b: unknown) => (a === b ? 0 : (a as string) < (b as string) ? -1 : 1);

function compileCondition(col: Column, op: string, v: unknown): Predicate {
  /** A comparison: unknown when the field is NULL. */
  const compare =
    (test: (x: unknown) => boolean): Predicate =>
    (row) =>
      row[col.name] === null ? null : test(row[col.name]);
  switch (op) {
    case '$eq':
    case '$ne':
      if (v === null) return (row) => (row[col.name] === null) === (op === '$eq');
      accept(fits(col.kind, v));
      return compare((x) => same(col.kind, x, v) === (op === '$eq'));
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      accept(col.kind !== 'boolean' && col.kind !== 'json' && v !== null && fits(col.kind, v));
      const wanted = { $gt: [1], $gte: [0, 1], $lt: [-1], $lte: [-1, 0] }[op];
      return compare((x) => wanted.includes(order(x, v)));
    }
    case '$in':
    case '$nin': {
      accept(Array.isArray(v) && v.length <= 1000 && v.every((e) => e !== null && fits(col.kind, e)));
      const list = v as unknown[];
      // An empty list is a plain false / true, NULL or not.
      if (list.length === 0) return () => op === '$nin';
      return compare((x) => list.some((e) => same(col.kind, x, e)) === (op === '$in'));
    }
    case '$like':
    case '$ilike': {
      accept(typeof v === 'string' && v.length <= 1000 && col.kind === 'text');
      const re = likeRegExp(v as string, op === '$ilike');
      return compare((x) => re.test(x as string));
    }
    case '$contains':
      accept(
        col.kind === 'json' &&
          (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))),
      );
      return compare((x) => Array.isArray(x) && x.some((e) => e === v));
    case '$exists':
    case '$null':
      accept(typeof v === 'boolean');
      return (row) => (row[col.name] !== null) === (op === '$exists' ? v : !v);
    default:
      return refuse('UNKNOWN_OPERATOR');
  }
}

// ---- update operators ----

const ORDER = ['$set', '$inc', '$dec', '$mul', '$max', '$min'] as const;
type Op = (typeof ORDER)[number];

/** The operations as a function of a row, or Refused (whatever the rows). */
export function compileUpdate(operations: unknown, columns: Column[]): (row: Row) => Row {
  if (!isObject(operations) || Object.keys(operations).length === 0) return refuse();
  const fields = Object.entries(operations).map(([name, spec]) => {
    if (name.startsWith('$')) return refuse();
    const col = columnOf(columns, name);
    const ops = isObject(spec) && Object.keys(spec).some((k) => k.startsWith('$')) ? spec : { $set: spec };
    for (const op of Object.keys(ops))
      if (!(ORDER as readonly string[]).includes(op)) refuse('UNKNOWN_OPERATOR');
    const numeric = col.kind === 'integer' || col.kind === 'number';
    for (const op of ORDER) {
      if (!(op in ops)) continue;
      const v = ops[op];
      if (op === '$set') accept(v === null ? col.nullable : fits(col.kind, v));
      else accept(numeric && v !== null && fits(col.kind, v));
    }
    // Every operator present was checked above: a number (or null for $set, where allowed).
    return { col, ops: ops as Record<Op, number> };
  });
  return (row) => {
    const next = { ...row };
    for (const { col, ops } of fields) {
      let x = row[col.name] as number | null;
      if ('$set' in ops) x = ops.$set;
      // Arithmetic counts NULL as 0 (like MongoDB's $inc); $max and $min take the value.
      if ('$inc' in ops) x = (x ?? 0) + ops.$inc;
      if ('$dec' in ops) x = (x ?? 0) - ops.$dec;
      if ('$mul' in ops) x = (x ?? 0) * ops.$mul;
      if ('$max' in ops) x = x === null ? ops.$max : Math.max(x, ops.$max);
      if ('$min' in ops) x = x === null ? ops.$min : Math.min(x, ops.$min);
      const arithmetic = '$inc' in ops || '$dec' in ops || '$mul' in ops;
      if (
        arithmetic &&
        x !== null &&
        !(col.kind === 'integer' ? Number.isSafeInteger(x) : Number.isFinite(x))
      )
        refuse();
      next[col.name] = x;
    }
    return next;
  };
}

function accept(ok: boolean): void {
  if (!ok) refuse();
}

// ---- sorting ----

export interface Sort {
  field: string;
  order?: 'asc' | 'desc';
}

/** NULLs first ascending, last descending; ties by `id` ascending (the primary key storage adds). */
export function sortRows(rows: Row[], sort: Sort[]): Row[] {
  return [...rows].sort((r, s) => {
    for (const { field, order: direction } of sort) {
      const [a, b] = [r[field], s[field]];
      const byValue = a === null ? (b === null ? 0 : -1) : b === null ? 1 : order(a, b);
      if (byValue !== 0) return direction === 'desc' ? -byValue : byValue;
    }
    return order(r.id, s.id);
  });
}
