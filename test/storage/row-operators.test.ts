import { expect } from 'chai';
import { LIMITS } from '../../contract/messages/storage-limits.js';
import type { Result } from '../../contract/result.js';
import { forEachDatabase } from '../support/databases.js';
import { openRowHarness, type RowHarness } from './row-harness.js';
import type { Column } from './row-model.js';

/**
 * Update operators and filters request by request, on both databases: what NULL means to
 * arithmetic, every refusal (its code, a message that names the fault, and no row changed), and
 * each limit at its exact edge. The issue-26 list of what no test checked is here; so are the bugs
 * the property tests (row-properties.test.ts) found, each named where it is locked.
 */
const COLUMNS: Column[] = [
  { name: 'score', kind: 'integer', nullable: false },
  { name: 'n', kind: 'integer', nullable: true },
  { name: 'ratio', kind: 'number', nullable: true },
  { name: 'title', kind: 'text', nullable: true },
  { name: 'done', kind: 'boolean', nullable: true },
  { name: 'tags', kind: 'json', nullable: true },
];

const ROWS = [
  { id: 1, score: 1, n: null, ratio: null, title: 'a', done: true, tags: ['x'] },
  { id: 2, score: 2, n: 5, ratio: 0.5, title: null, done: false, tags: 'x' },
];

forEachDatabase('storage: update operators and filters, refusals and edges', (kind) => {
  let h: RowHarness;
  let tables = 0;
  let table: string;

  before(async () => {
    h = await openRowHarness(kind);
  });
  after(() => h.close());
  beforeEach(async () => {
    table = `items${++tables}`;
    await h.createTable(table, COLUMNS);
    // `n`, `ratio` and `title` of row 3 are missing from the insert: NULL.
    const data = [...ROWS, { id: 3, score: 3 }];
    expect(await h.row('insert', { table, data })).to.deep.equal({ ok: true, data: { ids: [1, 2, 3] } });
  });

  const update = (filters: unknown, operations: unknown) =>
    h.row('update', { table, filters, operations, returning: true });
  const search = (filters: unknown) => h.row('search', { table, filters });
  const ids = async (filters: unknown) => {
    const reply = await search(filters);
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    return (reply.data as { rows: Array<{ id: number }> }).rows.map((r) => r.id);
  };
  const field = async (id: number, name: string) => (await h.rows(table)).find((r) => r.id === id)?.[name];

  /** The reply is exactly `{ok: false, error: {code, message}}`, the message as expected, and no row changed. */
  async function refused(request: () => Promise<Result<unknown>>, code: string, message: RegExp) {
    const before = await h.rows(table);
    const reply = await request();
    expect(reply).to.have.all.keys('ok', 'error');
    if (reply.ok) throw new Error(`expected a refusal, got ${JSON.stringify(reply.data)}`);
    expect(reply.error).to.have.all.keys('code', 'message');
    expect(reply.error.code).to.equal(code);
    expect(reply.error.message).to.match(message);
    expect(await h.rows(table)).to.deep.equal(before);
  }

  describe('arithmetic on NULL (issue 26: $inc/$mul without COALESCE went unnoticed)', () => {
    it('$inc, $dec and $mul count a NULL or missing column as 0', async () => {
      expect(await update({ id: 1 }, { n: { $inc: 2 }, ratio: { $dec: 1.5 } })).to.deep.include({ ok: true });
      expect(await field(1, 'n')).to.equal(2);
      expect(await field(1, 'ratio')).to.equal(-1.5);
      await update({ id: 3 }, { n: { $mul: 4 }, ratio: { $inc: 0.25 } });
      expect(await field(3, 'n')).to.equal(0);
      expect(await field(3, 'ratio')).to.equal(0.25);
      await update({ id: 3 }, { n: { $inc: 7, $mul: 2 } });
      expect(await field(3, 'n')).to.equal(14);
    });

    it('$max and $min of a NULL column give the value', async () => {
      await update({ id: 1 }, { n: { $max: -3 }, ratio: { $min: 2.5 } });
      expect(await field(1, 'n')).to.equal(-3);
      expect(await field(1, 'ratio')).to.equal(2.5);
      await update({ id: 2 }, { n: { $max: 4 } });
      expect(await field(2, 'n')).to.equal(5);
      await update({ id: 2 }, { n: { $min: 4 } });
      expect(await field(2, 'n')).to.equal(4);
    });

    it('a $set to null followed by $inc starts from 0', async () => {
      await update({ id: 2 }, { n: { $set: null, $inc: 3 } });
      expect(await field(2, 'n')).to.equal(3);
    });

    it('applies $set, $inc, $dec, $mul, $max, $min in that order, whatever the order written', async () => {
      // ((2 + 3) - 1) × 4 = 16, then floored at 20 and capped at 18.
      const reply = await update(
        { id: 2 },
        { n: { $min: 18, $max: 20, $mul: 4, $dec: 1, $inc: 3, $set: 2 } },
      );
      expect(reply).to.deep.include({ ok: true });
      expect(await field(2, 'n')).to.equal(18);
    });

    it('$set with another operator on a number column (a PostgreSQL type error the property test found)', async () => {
      // The bare parameter took the type of COALESCE's 0 (integer) or of GREATEST's text.
      expect(await update({ id: 2 }, { ratio: { $set: 0.5, $inc: 1 } })).to.deep.include({ ok: true });
      expect(await field(2, 'ratio')).to.equal(1.5);
      expect(await update({ id: 2 }, { ratio: { $set: 0.5, $max: 0.75 } })).to.deep.include({ ok: true });
      expect(await field(2, 'ratio')).to.equal(0.75);
      expect(await update({ id: 2 }, { n: { $set: 9, $min: 4 } })).to.deep.include({ ok: true });
      expect(await field(2, 'n')).to.equal(4);
      expect(await update({ id: 2 }, { ratio: { $set: null, $min: 0.25 } })).to.deep.include({ ok: true });
      expect(await field(2, 'ratio')).to.equal(0.25);
    });
  });

  describe('column types beyond the usual ones', () => {
    it('$set with another operator on INTEGER, SMALLINT, REAL and NUMERIC columns', async () => {
      const t = `types${tables}`;
      await h.db.knex.raw(
        `CREATE TABLE prop__${t} (id INTEGER PRIMARY KEY, i INTEGER, s SMALLINT, r REAL, n NUMERIC)`,
      );
      await h.row('insert', { table: t, data: { id: 1 } });
      const operations = Object.fromEntries(
        ['i', 's', 'r', 'n'].map((f) => [f, { $set: 1, $max: 2, $inc: 1 }]),
      );
      expect(
        await h.row('update', { table: t, filters: { id: 1 }, operations, returning: true }),
      ).to.deep.equal({
        ok: true,
        data: { updated: 1, rows: [{ id: 1, i: 2, s: 2, r: 2, n: 2 }] },
      });
      await h.dropTable(t);
    });

    it('$like and $ilike on a date column and an untyped one (SQLite; PostgreSQL has no LIKE for dates)', async () => {
      const t = `loose${tables}`;
      const untyped = kind === 'sqlite' ? 'u' : 'u BYTEA';
      await h.db.knex.raw(`CREATE TABLE prop__${t} (id INTEGER PRIMARY KEY, d DATE, ${untyped})`);
      await h.row('insert', { table: t, data: { id: 1, d: '2026-01-02' } });
      const like = (filters: unknown) => h.row('search', { table: t, filters, fields: ['id'] });
      if (kind === 'sqlite') {
        await h.row('update', { table: t, filters: { id: 1 }, operations: { u: 'Abc' } });
        expect(await like({ d: { $like: '2026-%' } })).to.deep.equal({
          ok: true,
          data: { rows: [{ id: 1 }] },
        });
        expect(await like({ u: { $ilike: 'a%' } })).to.deep.equal({ ok: true, data: { rows: [{ id: 1 }] } });
      } else {
        // Not "d is not text": storage lets it through, the database refuses it.
        expect(await like({ d: { $like: '2026-%' } })).to.deep.include({ ok: false });
        expect(((await like({ d: { $like: '2026-%' } })) as { error: { code: string } }).error.code).to.equal(
          'DATABASE_ERROR',
        );
      }
      await h.dropTable(t);
    });
  });

  describe('update refusals', () => {
    for (const column of ['title', 'done', 'tags']) {
      for (const op of ['$inc', '$dec', '$mul', '$max', '$min']) {
        it(`${op} on a ${column === 'title' ? 'text' : column === 'done' ? 'boolean' : 'JSON'} column`, () =>
          refused(
            () => update({ id: 1 }, { [column]: { [op]: 1 } }),
            'VALIDATION_ERROR',
            new RegExp(`^operations\\.${column}\\.\\${op}: ${column} is not a number column$`),
          ));
      }
    }

    it('no field to change: {}, null, a list, a string', async () => {
      for (const operations of [{}, null, [], ['score'], 'score']) {
        await refused(
          () => update({ id: 1 }, operations),
          'VALIDATION_ERROR',
          /^operations: must name at least one field to change$/,
        );
      }
    });

    it('a top-level operator ({"$inc": null}, {"$inc": {"score": 1}}) with the field-first hint', async () => {
      for (const operations of [{ $inc: null }, { $inc: { score: 1 } }, { score: 1, $set: { n: 1 } }]) {
        await refused(
          () => update({ id: 1 }, operations),
          'VALIDATION_ERROR',
          /^operations: \$\w+ goes inside a field, e.g. \{"score": \{"\$\w+": 1\}\}$/,
        );
      }
    });

    it('an operand that does not suit the column', async () => {
      await refused(
        () => update({ id: 1 }, { n: { $inc: null } }),
        'VALIDATION_ERROR',
        /^operations\.n\.\$inc: n cannot be null$/,
      );
      await refused(
        () => update({ id: 1 }, { n: { $inc: 1.5 } }),
        'VALIDATION_ERROR',
        /^operations\.n\.\$inc: n must be a whole number, not 1\.5$/,
      );
      await refused(
        () => update({ id: 1 }, { ratio: { $mul: '2' } }),
        'VALIDATION_ERROR',
        /^operations\.ratio\.\$mul: ratio must be a finite number, not a string$/,
      );
      await refused(
        () => update({ id: 1 }, { n: { $max: null } }),
        'VALIDATION_ERROR',
        /^operations\.n\.\$max: n cannot be null$/,
      );
      await refused(
        () => update({ id: 1 }, { score: null }),
        'VALIDATION_ERROR',
        /^operations\.score\.\$set: score cannot be null$/,
      );
    });

    it('an unknown operator or field', async () => {
      await refused(
        () => update({ id: 1 }, { n: { $inc: 1, $push: 2 } }),
        'UNKNOWN_OPERATOR',
        /^operations\.n: unknown operator \$push \(use \$set, \$inc, \$dec, \$mul, \$max, \$min\)$/,
      );
      await refused(() => update({ id: 1 }, { nope: { $inc: 1 } }), 'UNKNOWN_FIELD', /has no field "nope"/);
    });

    it('a refused field spoils the whole update, fields before it included', () =>
      refused(
        () => update({ id: 1 }, { n: { $inc: 1 }, title: { $inc: 1 } }),
        'VALIDATION_ERROR',
        /title is not a number column/,
      ));

    it('a result out of range is undone for every row, on one row out of range', async () => {
      await h.row('update', { table, filters: { id: 2 }, operations: { n: Number.MAX_SAFE_INTEGER - 1 } });
      await refused(
        () => h.row('update', { table, filters: { id: { $in: [1, 2] } }, operations: { n: { $inc: 2 } } }),
        'VALIDATION_ERROR',
        /^operations\.n: the result \d+ is out of range \(n holds a whole number within ±\(2\^53 − 1\)\); nothing was changed$/,
      );
      expect(
        await h.row('update', { table, filters: { id: 2 }, operations: { n: { $inc: 1 } } }),
      ).to.deep.equal({
        ok: true,
        data: { updated: 1 },
      });
      expect(await field(2, 'n')).to.equal(Number.MAX_SAFE_INTEGER);
    });

    it('a number column past a double', async () => {
      await h.row('update', { table, filters: { id: 2 }, operations: { ratio: 1e308 } });
      await refused(
        () => update({ id: 2 }, { ratio: { $mul: 10 } }),
        'VALIDATION_ERROR',
        // PostgreSQL's double precision refuses the overflow itself (docs/storage.md, differences).
        kind === 'sqlite'
          ? /^operations\.ratio: the result Infinity is out of range \(ratio holds a finite number\); nothing was changed$/
          : /^value out of range: overflow$/,
      );
    });

    it('update and delete need filters or all', async () => {
      for (const filters of [undefined, {}]) {
        await refused(
          () => h.row('update', { table, filters, operations: { n: 1 } }),
          'VALIDATION_ERROR',
          /^filters: required \(to change every row, send "all": true\)$/,
        );
        await refused(
          () => h.row('delete', { table, filters }),
          'VALIDATION_ERROR',
          /^filters: required \(to delete every row, send "all": true\)$/,
        );
      }
      expect(await h.row('update', { table, operations: { n: 1 }, all: true })).to.deep.equal({
        ok: true,
        data: { updated: 3 },
      });
    });

    it('answers the count without returning, and the changed rows with it', async () => {
      expect(
        await h.row('update', { table, filters: { score: { $gte: 2 } }, operations: { n: { $inc: 1 } } }),
      ).to.deep.equal({
        ok: true,
        data: { updated: 2 },
      });
      expect(
        await h.row('update', { table, filters: { score: { $gte: 2 } }, operations: { title: 'z' } }),
      ).to.deep.equal({
        ok: true,
        data: { updated: 2 },
      });
      const reply = await update({ id: 3 }, { n: { $inc: 1 } });
      expect(reply).to.deep.equal({
        ok: true,
        data: {
          updated: 1,
          rows: [{ id: 3, score: 3, n: 2, ratio: null, title: 'z', done: null, tags: null }],
        },
      });
    });
  });

  describe('filter refusals', () => {
    const refusedFilter = (filters: unknown, code: string, message: RegExp) =>
      refused(() => h.row('delete', { table, filters }), code, message);

    for (const op of ['$gt', '$gte', '$lt', '$lte']) {
      it(`${op} on a boolean or JSON column`, async () => {
        await refusedFilter(
          { done: { [op]: true } },
          'VALIDATION_ERROR',
          new RegExp(`^filters\\.done\\.\\${op}: done cannot be ordered$`),
        );
        await refusedFilter(
          { tags: { [op]: 1 } },
          'VALIDATION_ERROR',
          new RegExp(`^filters\\.tags\\.\\${op}: tags cannot be ordered$`),
        );
      });
    }

    for (const op of ['$in', '$nin']) {
      it(`${op} with something other than a list`, async () => {
        for (const value of [1, 'a', null, { $in: [1] }, true]) {
          await refusedFilter(
            { score: { [op]: value } },
            'VALIDATION_ERROR',
            new RegExp(`^filters\\.score\\.\\${op}: must be a list$`),
          );
        }
      });
    }

    it('$in with a null or an ill-typed element', async () => {
      await refusedFilter(
        { score: { $in: [1, null] } },
        'VALIDATION_ERROR',
        /^filters\.score\.\$in\.1: score cannot be null$/,
      );
      await refusedFilter(
        { score: { $nin: ['1'] } },
        'VALIDATION_ERROR',
        /^filters\.score\.\$nin\.0: score must be a whole number, not a string$/,
      );
    });

    it(`$in with ${LIMITS.inList} values is taken, with one more refused`, async () => {
      const list = Array.from({ length: LIMITS.inList }, (_, i) => i + 1);
      expect(await ids({ id: { $in: list } })).to.deep.equal([1, 2, 3]);
      expect(await ids({ id: { $nin: list } })).to.deep.equal([]);
      await refusedFilter(
        { id: { $in: [...list, 0] } },
        'VALIDATION_ERROR',
        new RegExp(`^filters\\.id\\.\\$in: more than ${LIMITS.inList} values$`),
      );
      await refusedFilter({ id: { $nin: [...list, 0] } }, 'VALIDATION_ERROR', /more than 1000 values/);
    });

    it('null with anything but $eq and $ne', async () => {
      for (const op of ['$gt', '$lte']) {
        await refusedFilter(
          { n: { [op]: null } },
          'VALIDATION_ERROR',
          new RegExp(`^filters\\.n\\.\\${op}: null needs \\$eq, \\$ne or \\$null$`),
        );
      }
    });

    it('$like and $ilike: a string pattern, on a text column, at most the pattern limit', async () => {
      await refusedFilter(
        { title: { $like: 1 } },
        'VALIDATION_ERROR',
        /^filters\.title\.\$like: must be a string pattern$/,
      );
      for (const column of ['score', 'done', 'tags']) {
        await refusedFilter(
          { [column]: { $ilike: 'a' } },
          'VALIDATION_ERROR',
          new RegExp(`^filters\\.${column}\\.\\$ilike: ${column} is not text$`),
        );
      }
      expect(await ids({ title: { $like: '%'.repeat(LIMITS.likePattern) } })).to.deep.equal([1]);
      await refusedFilter(
        { title: { $ilike: '%'.repeat(LIMITS.likePattern + 1) } },
        'VALIDATION_ERROR',
        new RegExp(`^filters\\.title\\.\\$ilike: pattern longer than ${LIMITS.likePattern}$`),
      );
    });

    it('$contains: a JSON column and one scalar', async () => {
      await refusedFilter(
        { title: { $contains: 'a' } },
        'VALIDATION_ERROR',
        /^filters\.title\.\$contains: title is not a JSON column$/,
      );
      for (const value of [['x'], { x: 1 }, null]) {
        await refusedFilter(
          { tags: { $contains: value } },
          'VALIDATION_ERROR',
          /^filters\.tags\.\$contains: must be a string, a finite number or a boolean$/,
        );
      }
      for (const value of [Infinity, NaN, 'a\u0000', 'a\ud800', '\udc00a']) {
        await refusedFilter(
          { tags: { $contains: value } },
          'VALIDATION_ERROR',
          /^filters\.tags\.\$contains: must/,
        );
      }
      expect(await ids({ tags: { $contains: '🎲' } })).to.deep.equal([]);
      expect(await ids({ tags: { $contains: 'x'.repeat(LIMITS.rowTextLength) } })).to.deep.equal([]);
      await refusedFilter(
        { tags: { $contains: 'x'.repeat(LIMITS.rowTextLength + 1) } },
        'VALUE_TOO_LARGE',
        new RegExp(`^filters\\.tags\\.\\$contains: longer than ${LIMITS.rowTextLength} characters$`),
      );
    });

    it('$exists and $null take true or false', async () => {
      for (const op of ['$exists', '$null']) {
        await refusedFilter(
          { n: { [op]: 1 } },
          'VALIDATION_ERROR',
          new RegExp(`^filters\\.n\\.\\${op}: must be true or false$`),
        );
      }
      expect(await ids({ n: { $exists: true } })).to.deep.equal([2]);
      expect(await ids({ n: { $exists: false } })).to.deep.equal([1, 3]);
      expect(await ids({ n: { $null: true } })).to.deep.equal([1, 3]);
      expect(await ids({ n: { $null: false } })).to.deep.equal([2]);
    });

    it('shapes that are not filters', async () => {
      await refusedFilter('score', 'VALIDATION_ERROR', /^filters: must be an object$/);
      await refusedFilter([{ score: 1 }], 'VALIDATION_ERROR', /^filters: must be an object$/);
      await refusedFilter(
        { score: [1, 2] },
        'VALIDATION_ERROR',
        /^filters\.score: a list needs \$in or \$nin$/,
      );
      await refusedFilter({ score: {} }, 'VALIDATION_ERROR', /^filters\.score: no operator$/);
      await refusedFilter(
        { score: { $near: 1 } },
        'UNKNOWN_OPERATOR',
        /^filters\.score\.\$near: unknown operator \(use \$eq, \$ne, \$gt, \$gte, \$lt, \$lte, \$in, \$nin, \$like, \$ilike, \$contains, \$exists, \$null\)$/,
      );
      await refusedFilter(
        { $nor: [{ score: 1 }] },
        'UNKNOWN_OPERATOR',
        /^filters: unknown operator \$nor \(use \$and, \$or, \$not or a field name\)$/,
      );
      await refusedFilter({ nope: 1 }, 'UNKNOWN_FIELD', /has no field "nope"/);
      for (const op of ['$and', '$or']) {
        for (const value of [[], { score: 1 }, 'x']) {
          await refusedFilter(
            { [op]: value },
            'VALIDATION_ERROR',
            new RegExp(`^filters\\.\\${op}: must be a non-empty list of filters$`),
          );
        }
      }
      await refusedFilter({ $not: 'x' }, 'VALIDATION_ERROR', /^filters\.\$not: must be an object$/);
      await refusedFilter(
        { $or: [{ score: 1 }, 2] },
        'VALIDATION_ERROR',
        /^filters\.\$or\.1: must be an object$/,
      );
    });

    it('an empty filter inside $and, $or or $not (the property test found {"$not": {}} matching every row)', async () => {
      await refusedFilter(
        { $not: {} },
        'VALIDATION_ERROR',
        /^filters\.\$not: an empty filter \(name at least one condition\)$/,
      );
      await refusedFilter({ $or: [{ id: 1 }, {}] }, 'VALIDATION_ERROR', /^filters\.\$or\.1: an empty filter/);
      await refusedFilter({ $and: [{}] }, 'VALIDATION_ERROR', /^filters\.\$and\.0: an empty filter/);
      // The whole filter may be empty: no constraint (update and delete then need `all`).
      expect(await ids({})).to.deep.equal([1, 2, 3]);
    });

    it('reports the first fault in the filter’s order, inside groups too', async () => {
      // knex builds a group's conditions only when it compiles the query: the field after the
      // group used to be checked first.
      await refusedFilter(
        { $or: [{ score: { $gt: 'x' } }], nope: 1 },
        'VALIDATION_ERROR',
        /^filters\.\$or\.0\.score\.\$gt: score must be a whole number, not a string$/,
      );
      await refusedFilter({ $not: { nope: 1 }, score: { $gt: 'x' } }, 'UNKNOWN_FIELD', /has no field "nope"/);
    });

    it(`nesting: ${LIMITS.filterDepth} levels are taken, one more is refused`, async () => {
      const nest = (levels: number): Record<string, unknown> =>
        levels === 1 ? { id: 1 } : { $and: [nest(levels - 1)] };
      expect(await ids(nest(LIMITS.filterDepth))).to.deep.equal([1]);
      const notNest = (levels: number): Record<string, unknown> =>
        levels === 1 ? { id: 1 } : { $not: notNest(levels - 1) };
      expect(await ids(notNest(LIMITS.filterDepth))).to.have.length.above(0);
      await refusedFilter(
        nest(LIMITS.filterDepth + 1),
        'VALIDATION_ERROR',
        new RegExp(`nested deeper than ${LIMITS.filterDepth} levels$`),
      );
      await refusedFilter(
        notNest(LIMITS.filterDepth + 1),
        'VALIDATION_ERROR',
        /nested deeper than 8 levels$/,
      );
    });

    it(`${LIMITS.filterConditions} conditions are taken, one more is refused, counted at every level`, async () => {
      const conditions = (n: number) => Array.from({ length: n }, (_, i) => ({ score: { $ne: 100 + i } }));
      expect(await ids({ $and: conditions(LIMITS.filterConditions) })).to.deep.equal([1, 2, 3]);
      await refusedFilter(
        { $and: conditions(LIMITS.filterConditions), id: 1 },
        'VALIDATION_ERROR',
        new RegExp(`^filters: more than ${LIMITS.filterConditions} conditions$`),
      );
      // Several operators on one field count one each.
      const half = LIMITS.filterConditions / 2;
      const pairs = Array.from({ length: half }, (_, i) => ({ score: { $ne: 100 + i, $lt: 1000 + i } }));
      expect(await ids({ $or: pairs })).to.deep.equal([1, 2, 3]);
      await refusedFilter({ $or: pairs, id: { $gt: 0 } }, 'VALIDATION_ERROR', /more than 200 conditions/);
    });

    it('reads a JSON column holding a string (PostgreSQL parsed it twice: every read failed)', async () => {
      const reply = await h.row('search', { table, filters: { id: 2 }, fields: ['tags'] });
      expect(reply).to.deep.equal({ ok: true, data: { rows: [{ tags: 'x' }] } });
      expect(await h.row('select', { table, id: 2 })).to.deep.include({ ok: true });
      expect(await ids({ tags: { $contains: 'x' } })).to.deep.equal([1]);
    });
  });
});
