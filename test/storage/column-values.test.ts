import { expect } from 'chai';
import { StorageError } from '../../actors/database/storage-error.js';
import type { ColumnInfo, ColumnKind, TableSchema } from '../../actors/storage/rows/table-schema.js';
import { column, fromDatabase, shape, toDatabase } from '../../actors/storage/rows/values.js';
import { LIMITS } from '../../contract/messages/storage-limits.js';

/**
 * One value against its column, both ways: what each column kind accepts and binds, what it refuses
 * (the code and the message a plugin sees), each length limit at its edge, and how the drivers'
 * values come back the same from both databases (docs/storage.md, Tables).
 */
const col = (kind: ColumnKind, nullable = true): ColumnInfo => ({
  name: 'f',
  kind,
  nullable,
  hasDefault: false,
});

function refusal(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    expect(error).to.be.instanceOf(StorageError);
    const { code, message } = error as StorageError;
    return `${code} ${message}`;
  }
  throw new Error('accepted');
}
const refused = (kind: ColumnKind, value: unknown) =>
  refusal(() => toDatabase(col(kind), value, 'sqlite', 'data'));
const MAX = LIMITS.rowTextLength;

describe('storage: column values in', () => {
  it('null only where the column is nullable', () => {
    expect(toDatabase(col('integer'), null, 'postgresql', 'data')).to.equal(null);
    expect(refusal(() => toDatabase(col('text', false), null, 'sqlite', 'data'))).to.equal(
      'VALIDATION_ERROR data: f cannot be null',
    );
  });

  it('integers: whole numbers within ±(2^53 − 1), nothing else, and says what it got', () => {
    for (const v of [0, -3, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])
      expect(toDatabase(col('integer'), v, 'sqlite', 'data')).to.equal(v);
    expect(refused('integer', Number.MAX_SAFE_INTEGER + 1)).to.equal(
      'VALIDATION_ERROR data: f must be a whole number, not 9007199254740992',
    );
    expect(refused('integer', '5')).to.equal('VALIDATION_ERROR data: f must be a whole number, not a string');
    expect(refused('integer', [5])).to.equal('VALIDATION_ERROR data: f must be a whole number, not an array');
    expect(refused('integer', true)).to.equal(
      'VALIDATION_ERROR data: f must be a whole number, not a boolean',
    );
  });

  it('numbers: finite ones', () => {
    expect(toDatabase(col('number'), 0.5, 'sqlite', 'data')).to.equal(0.5);
    expect(refused('number', NaN)).to.equal('VALIDATION_ERROR data: f must be a finite number, not NaN');
    expect(refused('number', '0.5')).to.equal(
      'VALIDATION_ERROR data: f must be a finite number, not a string',
    );
  });

  it('booleans: true or false, bound as 1/0 on SQLite', () => {
    expect([true, false].map((v) => toDatabase(col('boolean'), v, 'sqlite', 'data'))).to.deep.equal([1, 0]);
    expect([true, false].map((v) => toDatabase(col('boolean'), v, 'postgresql', 'data'))).to.deep.equal([
      true,
      false,
    ]);
    expect(refused('boolean', 1)).to.equal('VALIDATION_ERROR data: f must be true or false');
  });

  it(`JSON: its text, at most ${MAX} characters`, () => {
    expect(toDatabase(col('json'), { a: [1, 'x'] }, 'postgresql', 'data')).to.equal('{"a":[1,"x"]}');
    expect(toDatabase(col('json'), 'x'.repeat(MAX - 2), 'sqlite', 'data')).to.have.length(MAX);
    expect(refused('json', 'x'.repeat(MAX - 1))).to.equal(
      `VALUE_TOO_LARGE data: f is longer than ${MAX} characters`,
    );
  });

  for (const kind of ['text', 'datetime'] as const) {
    it(`${kind}: a Unicode string of at most ${MAX} characters`, () => {
      expect(toDatabase(col(kind), 'x'.repeat(MAX), 'sqlite', 'data')).to.have.length(MAX);
      expect(refused(kind, 'x'.repeat(MAX + 1))).to.equal(
        `VALUE_TOO_LARGE data: f is longer than ${MAX} characters`,
      );
      expect(refused(kind, 5)).to.equal('VALIDATION_ERROR data: f must be a string, not 5');
      expect(refused(kind, 'a\ud800')).to.equal(
        'VALIDATION_ERROR data: f: must be Unicode (it holds a lone surrogate)',
      );
    });
  }

  it('an untyped column: a string, a finite number or a boolean, as it is', () => {
    for (const v of ['x', 2.5, true]) expect(toDatabase(col('any'), v, 'sqlite', 'data')).to.equal(v);
    expect(toDatabase(col('any'), 'x'.repeat(MAX), 'sqlite', 'data')).to.have.length(MAX);
    expect(refused('any', 'x'.repeat(MAX + 1))).to.equal(
      `VALUE_TOO_LARGE data: f is longer than ${MAX} characters`,
    );
    for (const v of [{ a: 1 }, [1], new Array(MAX + 1).fill(0), Infinity, NaN, undefined])
      expect(refused('any', v)).to.equal(
        'VALIDATION_ERROR data: f must be a string, finite number or boolean',
      );
    expect(refused('any', '\udc00')).to.equal(
      'VALIDATION_ERROR data: f: must be Unicode (it holds a lone surrogate)',
    );
  });

  it('a field the table does not have', () => {
    const schema: TableSchema = { name: 'notes__items', columns: new Map([['f', col('text')]]) };
    expect(column(schema, 'f', 'notes')).to.deep.equal(col('text'));
    expect(refusal(() => column(schema, 'g', 'notes'))).to.equal(
      'UNKNOWN_FIELD notes: table notes__items has no field "g"',
    );
  });
});

describe('storage: column values out', () => {
  it('numbers from text or bigint, booleans from 1/0', () => {
    expect(['5', 5n, 5].map((v) => shape('integer', v, 'postgresql'))).to.deep.equal([5, 5, 5]);
    expect(shape('number', '0.5', 'postgresql')).to.equal(0.5);
    expect([1, 0, true, false].map((v) => shape('boolean', v, 'sqlite'))).to.deep.equal([
      true,
      false,
      true,
      false,
    ]);
    expect([null, undefined].map((v) => shape('integer', v, 'sqlite'))).to.deep.equal([null, null]);
  });

  it('JSON: SQLite gives its text, PostgreSQL the value (a string there is a JSON string)', () => {
    expect(shape('json', '["a",1]', 'sqlite')).to.deep.equal(['a', 1]);
    expect(shape('json', '"a"', 'sqlite')).to.equal('a');
    expect(shape('json', 1, 'sqlite')).to.equal(1);
    expect(shape('json', 'a', 'postgresql')).to.equal('a');
    expect(shape('json', ['a'], 'postgresql')).to.deep.equal(['a']);
  });

  it('dates as ISO strings, other values as the driver gives them, bigints as numbers', () => {
    const date = new Date('2026-01-02T03:04:05.000Z');
    expect(shape('datetime', date, 'postgresql')).to.equal('2026-01-02T03:04:05.000Z');
    expect(shape('datetime', '2026-01-02 03:04', 'sqlite')).to.equal('2026-01-02 03:04');
    expect(shape('any', date, 'postgresql')).to.equal('2026-01-02T03:04:05.000Z');
    expect(shape(undefined, 7n, 'sqlite')).to.equal(7);
    expect(shape('text', '7', 'sqlite')).to.equal('7');
  });

  it('a row, field by field, by its columns', () => {
    const schema: TableSchema = {
      name: 'notes__items',
      columns: new Map([
        ['done', col('boolean')],
        ['tags', col('json')],
      ]),
    };
    expect(fromDatabase(schema, { done: 1, tags: '[1]', extra: 3n }, 'sqlite')).to.deep.equal({
      done: true,
      tags: [1],
      extra: 3,
    });
  });
});
