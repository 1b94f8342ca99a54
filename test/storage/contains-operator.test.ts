import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Result } from '../../contract/result.js';
import { forEachDatabase } from '../support/databases.js';
import { tempDir, useNatsServer } from '../support/nats.js';
import { startStorageKernel, type StorageKernel } from '../support/storage-kernel.js';

/**
 * `$contains` on JSON array columns, over NATS on both databases. `tags` is JSON on SQLite and
 * JSONB on PostgreSQL; `value` is JSON on both (PostgreSQL's `json` has no `@>` of its own) and is
 * named like a column of SQLite's json_each, which the SQL must not confuse with the table's.
 */
const MIGRATION = `-- UP
CREATE TABLE shelf__items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  score INTEGER NOT NULL DEFAULT 0,
  tags JSON,
  value JSON
);

-- UP: postgresql
CREATE TABLE shelf__items (
  id SERIAL PRIMARY KEY,
  title TEXT NOT NULL,
  score INTEGER NOT NULL DEFAULT 0,
  tags JSONB,
  value JSON
);

-- DOWN
DROP TABLE shelf__items;
`;

const ROWS = [
  { title: 'a', tags: ['tapes', 'vhs'], value: [1, true] },
  { title: 'b', tags: ['dvd'], value: [2.5, false] },
  // Not arrays: a bare string equal to the value, an object, NULL.
  { title: 'c', tags: 'tapes', value: { n: 1 } },
  { title: 'd', tags: null, value: null },
  // Arrays whose elements only look like the value: nested, another case, another type.
  { title: 'e', tags: [['tapes']], value: ['1', 'true'] },
  { title: 'f', tags: ['Tapes'], value: [1] },
];

forEachDatabase('storage: the $contains filter operator', (kind) => {
  const nats = useNatsServer();
  let kernel: StorageKernel;

  const titles = async (filters: unknown): Promise<string[]> => {
    const result = await kernel.call('row.shelf.search', {
      table: 'items',
      filters,
      fields: ['title'],
      sort: { field: 'id' },
    });
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    const rows = (result as { data: { rows: Array<{ title: string }> } }).data.rows;
    return rows.map((r) => r.title);
  };

  const refusal = async (filters: unknown): Promise<Result<unknown>> =>
    kernel.call('row.shelf.count', { table: 'items', filters });

  before(async () => {
    const dir = tempDir('rosey-shelf-');
    writeFileSync(join(dir, '001_create_items.sql'), MIGRATION);
    kernel = await startStorageKernel(nats.url, kind, { shelf: dir });
    const applied = await kernel.call('migrate.shelf.apply', {});
    expect(applied.ok, JSON.stringify(applied)).to.equal(true);
    const inserted = await kernel.call('row.shelf.insert', { table: 'items', data: ROWS });
    expect(inserted.ok, JSON.stringify(inserted)).to.equal(true);
  });
  after(() => kernel.stop());

  it('matches arrays holding the exact string, and nothing else', async () => {
    expect(await titles({ tags: { $contains: 'tapes' } })).to.deep.equal(['a']);
    expect(await titles({ tags: { $contains: 'vhs' } })).to.deep.equal(['a']);
    expect(await titles({ tags: { $contains: 'cassette' } })).to.deep.equal([]);
    expect(await titles({ tags: { $contains: 'tape' } })).to.deep.equal([], 'whole elements only');
  });

  it('matches numbers and booleans by type as well as value', async () => {
    expect(await titles({ value: { $contains: 1 } })).to.deep.equal(['a', 'f']);
    expect(await titles({ value: { $contains: 2.5 } })).to.deep.equal(['b']);
    expect(await titles({ value: { $contains: true } })).to.deep.equal(['a']);
    expect(await titles({ value: { $contains: false } })).to.deep.equal(['b']);
    expect(await titles({ value: { $contains: '1' } })).to.deep.equal(['e']);
    expect(await titles({ value: { $contains: 'true' } })).to.deep.equal(['e']);
    expect(await titles({ value: { $contains: 0 } })).to.deep.equal([]);
  });

  it('works inside $or, $and and $not; NULL columns never match, not even under $not', async () => {
    expect(await titles({ $or: [{ tags: { $contains: 'dvd' } }, { title: 'c' }] })).to.deep.equal(['b', 'c']);
    expect(
      await titles({ $and: [{ tags: { $contains: 'tapes' } }, { value: { $contains: true } }] }),
    ).to.deep.equal(['a']);
    expect(await titles({ $not: { tags: { $contains: 'tapes' } } })).to.deep.equal(['b', 'c', 'e', 'f']);
    expect(await titles({ $not: { value: { $contains: 1 } } })).to.deep.equal(['b', 'c', 'e']);
  });

  it('filters count, update and delete too', async () => {
    expect(await refusal({ tags: { $contains: 'dvd' } })).to.deep.equal({ ok: true, data: { count: 1 } });
    const updated = await kernel.call('row.shelf.update', {
      table: 'items',
      filters: { tags: { $contains: 'dvd' } },
      operations: { score: { $inc: 5 } },
      returning: true,
    });
    expect(updated).to.have.nested.property('data.updated', 1);
    expect(updated).to.have.nested.property('data.rows[0].title', 'b');
    const deleted = await kernel.call('row.shelf.delete', {
      table: 'items',
      filters: { tags: { $contains: 'nothing-has-this' } },
    });
    expect(deleted).to.deep.equal({ ok: true, data: { deleted: 0 } });
  });

  it('is refused on columns that are not JSON, naming the field', async () => {
    for (const [field, value] of [
      ['title', 'a'],
      ['score', 1],
    ] as const) {
      const result = await refusal({ [field]: { $contains: value } });
      expect(result.ok, JSON.stringify(result)).to.equal(false);
      if (!result.ok) {
        expect(result.error.code).to.equal('VALIDATION_ERROR');
        expect(result.error.message).to.equal(`filters.${field}.$contains: ${field} is not a JSON column`);
      }
    }
  });

  it('takes only a string, a number or a boolean', async () => {
    for (const value of [['tapes'], { a: 1 }, null, []]) {
      const result = await refusal({ tags: { $contains: value } });
      expect(result.ok, JSON.stringify(value)).to.equal(false);
      if (!result.ok) {
        expect(result.error.code).to.equal('VALIDATION_ERROR');
        expect(result.error.message).to.equal(
          'filters.tags.$contains: must be a string, a finite number or a boolean',
        );
      }
    }
  });

  it('refuses strings jsonb cannot hold (NUL, a lone surrogate) alike on both databases', async () => {
    const nul = await refusal({ tags: { $contains: 'a\u0000b' } });
    expect(nul).to.deep.equal({
      ok: false,
      error: {
        code: 'VALIDATION_ERROR',
        message: 'filters.tags.$contains: must not contain a NUL character or a lone surrogate',
      },
    });
    // A lone surrogate is not Unicode: the bus envelope refuses it before storage sees it.
    for (const value of ['\ud800', 'x\udc00']) {
      const result = await refusal({ tags: { $contains: value } });
      expect(result.ok, JSON.stringify(value)).to.equal(false);
      if (!result.ok) {
        expect(result.error.code).to.equal('VALIDATION_ERROR');
        expect(result.error.message).to.match(/^payload: a string holds a lone surrogate/);
      }
    }
  });

  it('counts as one condition toward the limit of 200', async () => {
    const many = (n: number) => ({ $and: Array.from({ length: n }, () => ({ tags: { $contains: 'x' } })) });
    expect(await refusal(many(200))).to.deep.equal({ ok: true, data: { count: 0 } });
    const over = await refusal(many(201));
    expect(over.ok === false && over.error.message).to.equal('filters: more than 200 conditions');
  });
});
