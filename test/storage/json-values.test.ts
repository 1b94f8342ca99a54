import { expect } from 'chai';
import { checkJsonValue } from '../../actors/storage/json-values.js';
import { toDatabase } from '../../actors/storage/rows/values.js';
import type { ColumnInfo } from '../../actors/storage/rows/table-schema.js';
import { StorageError } from '../../actors/database/storage-error.js';
import { deepValue } from '../fixtures/database-handlers/scripted.js';

const refusal = (check: () => unknown): { code: string; message: string } => {
  try {
    check();
  } catch (error) {
    // A RangeError (stack overflow) here is the bug: storage's own walkers must not recurse unbounded.
    expect(error).to.be.instanceOf(StorageError);
    const { code, message } = error as StorageError;
    return { code, message };
  }
  throw new Error('accepted');
};

const column = (name: string, kind: ColumnInfo['kind']): ColumnInfo => ({
  name,
  kind,
  nullable: true,
  hasDefault: false,
});

/**
 * What storage stores as JSON is checked by storage itself too, for any caller, not only behind
 * the bus envelope's text checks (issue 15, defects 1 and 4).
 */
describe('storage: JSON values it stores', () => {
  it('refuses a value nested deeper than 32 levels, without recursing into it', () => {
    expect(() => checkJsonValue(deepValue(32), 'value')).not.to.throw();
    for (const depth of [33, 100_000]) {
      expect(refusal(() => checkJsonValue(deepValue(depth), 'value'))).to.deep.equal({
        code: 'VALIDATION_ERROR',
        message: 'value: nested deeper than 32 levels',
      });
    }
    expect(
      refusal(() => toDatabase(column('doc', 'json'), deepValue(100_000), 'sqlite', 'data')),
    ).to.deep.equal({
      code: 'VALIDATION_ERROR',
      message: 'data: doc: nested deeper than 32 levels',
    });
  });

  it('refuses numbers that are not finite (JSON would store null) and text that is not Unicode', () => {
    expect(refusal(() => checkJsonValue({ a: [1, Infinity] }, 'detail')).message).to.equal(
      'detail: Infinity is not a finite number',
    );
    expect(refusal(() => checkJsonValue([NaN], 'value')).message).to.equal(
      'value: NaN is not a finite number',
    );
    expect(refusal(() => checkJsonValue({ 's\ud800': 1 }, 'value')).message).to.equal(
      'value: must be Unicode (it holds a lone surrogate)',
    );
    expect(refusal(() => checkJsonValue(['\udc00x'], 'value')).code).to.equal('VALIDATION_ERROR');
    expect(() => checkJsonValue({ dice: '🎲', n: [1e308, -0, null, true] }, 'value')).not.to.throw();
  });

  // The message read `ratio must be a number, not a number`.
  it('says which number a number column refused', () => {
    expect(refusal(() => toDatabase(column('ratio', 'number'), Infinity, 'sqlite', 'data')).message).to.equal(
      'data: ratio must be a finite number, not Infinity',
    );
    expect(refusal(() => toDatabase(column('score', 'integer'), 1.5, 'sqlite', 'data')).message).to.equal(
      'data: score must be a whole number, not 1.5',
    );
    expect(refusal(() => toDatabase(column('any', 'any'), -Infinity, 'sqlite', 'data')).code).to.equal(
      'VALIDATION_ERROR',
    );
  });
});
