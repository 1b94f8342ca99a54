import { expect } from 'chai';
import fc from 'fast-check';
import type { RowOp } from '../../contract/messages/storage.js';
import { forEachDatabase } from '../support/databases.js';
import { propertyRuns } from '../support/properties.js';
import { openRowHarness, type RowHarness } from './row-harness.js';
import {
  compileFilter,
  compileUpdate,
  Refused,
  sortRows,
  type Column,
  type Kind,
  type Row,
  type Sort,
} from './row-model.js';

/**
 * Random tables, rows, filters and update operators through storage on SQLite and PostgreSQL,
 * against the reference model in row-model.ts: the same rows back, the same refusals, and a refused
 * request changes nothing (the whole table is compared after every request). Values are small, so
 * that comparisons tie and collide often; numbers are multiples of 0.5, so arithmetic is exact.
 */

const KINDS: Kind[] = ['integer', 'number', 'text', 'boolean', 'json'];
const TEXT = fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'B', '%', '_', '\\'), maxLength: 3 });
const JSON_SCALAR = fc.constantFrom<unknown>('a', 'b', 1, 2, true);

const good: Record<Kind, fc.Arbitrary<unknown>> = {
  integer: fc.integer({ min: -4, max: 4 }),
  number: fc.integer({ min: -8, max: 8 }).map((n) => n / 2),
  text: TEXT,
  boolean: fc.boolean(),
  json: fc.oneof(fc.array(JSON_SCALAR, { maxLength: 3 }), fc.constantFrom<unknown>('a', 1, { k: 'a' })),
};
/** Values of every kind: now and then an operand that does not suit its column (the model says so). */
const anyValue = fc.constantFrom<unknown>(null, 0, 1, 1.5, -2, 'a', '', true, false, [1], ['a'], { k: 1 });
/** Mostly what the column takes, so most requests do something; sometimes anything. */
const mostly = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 15, arbitrary: arb as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyValue });

const columnsArb: fc.Arbitrary<Column[]> = fc
  .array(fc.record({ kind: fc.constantFrom(...KINDS), nullable: fc.boolean() }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((cs) => cs.map((c, i) => ({ name: `c${i}`, ...c })));

const rowArb = (columns: Column[]): fc.Arbitrary<Row> =>
  fc.record(
    Object.fromEntries(
      columns.map((c) => [c.name, c.nullable ? fc.option(good[c.kind], { nil: null }) : good[c.kind]]),
    ),
  );

/** `%`, `_`, literal characters and escaped ones; never a lone `\` at the end (the databases differ there). */
const pattern = fc
  .array(fc.constantFrom('%', '_', 'a', 'b', 'A', 'B', '\\%', '\\_', '\\\\'), { maxLength: 3 })
  .map((parts) => parts.join(''));

const FIELD_OPS = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$like',
  '$ilike',
  '$contains',
  '$exists',
  '$null',
];
/** The operators a column of each kind takes (docs/storage.md, Filters). */
const opsFor = (kind: Kind): string[] => {
  const any = ['$eq', '$ne', '$in', '$nin', '$exists', '$null'];
  const ordered = ['$gt', '$gte', '$lt', '$lte'];
  if (kind === 'text') return [...any, ...ordered, '$like', '$ilike'];
  if (kind === 'integer' || kind === 'number') return [...any, ...ordered];
  return kind === 'json' ? [...any, '$contains'] : any;
};
const operandOf = (op: string, kind: Kind): fc.Arbitrary<unknown> => {
  if (op === '$eq' || op === '$ne') return fc.oneof({ weight: 4, arbitrary: good[kind] }, fc.constant(null));
  if (op === '$in' || op === '$nin') return fc.array(good[kind], { maxLength: 3 });
  if (op === '$like' || op === '$ilike') return pattern;
  if (op === '$contains') return JSON_SCALAR;
  if (op === '$exists' || op === '$null') return fc.boolean();
  return good[kind];
};

const condition = (col: Column): fc.Arbitrary<[string, unknown]> =>
  fc.oneof(
    {
      weight: 15,
      arbitrary: fc
        .constantFrom(...opsFor(col.kind))
        .chain((op) => fc.tuple(fc.constant(op), operandOf(op, col.kind))),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FIELD_OPS), anyValue) },
  );

const fieldEntry = (columns: Column[]): fc.Arbitrary<[string, unknown]> =>
  fc.constantFrom(...columns).chain((col) =>
    fc.tuple(
      fc.constant(col.name),
      fc.oneof(
        mostly(good[col.kind]),
        fc.array(condition(col), { minLength: 1, maxLength: 2 }).map((ops) => Object.fromEntries(ops)),
      ),
    ),
  );

const filterArb = (columns: Column[]): fc.Arbitrary<Record<string, unknown>> =>
  fc.letrec<{ filter: Record<string, unknown>; entry: [string, unknown] }>((tie) => ({
    filter: fc
      .array(tie('entry'), { minLength: 1, maxLength: 2 })
      .map((entries) => Object.fromEntries(entries)),
    entry: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'filter' },
      { weight: 6, arbitrary: fieldEntry(columns) },
      {
        weight: 2,
        arbitrary: fc.tuple(
          fc.constantFrom('$and', '$or'),
          fc.array(tie('filter'), { minLength: 1, maxLength: 3 }),
        ),
      },
      { weight: 2, arbitrary: fc.tuple(fc.constant('$not'), tie('filter')) },
      // Refused: knex would drop these empty groups (`{"$not": {}}` matched every row).
      { weight: 1, arbitrary: fc.constantFrom<[string, unknown]>(['$and', []], ['$not', {}], ['$or', [{}]]) },
    ),
  })).filter;

const filtersArb = (columns: Column[]) =>
  fc.oneof({ weight: 8, arbitrary: filterArb(columns) }, fc.constant(undefined), fc.constant({}));

const UPDATE_OPS = ['$set', '$inc', '$dec', '$mul', '$max', '$min'] as const;
const numeric = (kind: Kind) => kind === 'integer' || kind === 'number';
const fieldChange = (col: Column): fc.Arbitrary<unknown> => {
  const set = col.nullable ? fc.option(good[col.kind], { nil: null }) : good[col.kind];
  const ops = numeric(col.kind)
    ? fc.array(fc.tuple(fc.constantFrom(...UPDATE_OPS), mostly(good[col.kind])), {
        minLength: 1,
        maxLength: 3,
      })
    : fc.tuple(fc.tuple(fc.constant('$set'), mostly(set)));
  return fc.oneof(
    { weight: 5, arbitrary: mostly(set) },
    { weight: 5, arbitrary: ops.map((list) => Object.fromEntries(list)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...UPDATE_OPS), anyValue).map(([op, v]) => ({ [op]: v })),
    },
  );
};
const operationsArb = (columns: Column[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 15,
      arbitrary: fc
        .array(
          fc.constantFrom(...columns).chain((col) => fc.tuple(fc.constant(col.name), fieldChange(col))),
          { minLength: 1, maxLength: 2 },
        )
        .map((entries) => Object.fromEntries(entries)),
    },
    // Refused whole: nothing to change, a top-level operator, not an object.
    fc.constantFrom<unknown>({}, { $inc: null }, { $inc: { c0: 1 } }, null),
  );

const sortArb = (columns: Column[]): fc.Arbitrary<Sort[]> =>
  fc.array(
    fc.record(
      {
        // JSON columns sort differently on the two databases (text vs jsonb order): not compared.
        field: fc.constantFrom('id', ...columns.filter((c) => c.kind !== 'json').map((c) => c.name)),
        order: fc.constantFrom('asc' as const, 'desc' as const),
      },
      { requiredKeys: ['field'] },
    ),
    { minLength: 1, maxLength: 2 },
  );

type Command =
  | { op: 'search'; filters?: unknown; sort?: Sort[]; limit?: number; offset?: number }
  | { op: 'count'; filters?: unknown }
  | { op: 'update'; filters?: unknown; operations: unknown; all?: boolean; returning?: boolean }
  | { op: 'delete'; filters?: unknown; all?: boolean };

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const commandArb = (columns: Column[]): fc.Arbitrary<Command> =>
  fc.oneof(
    fc.record(
      {
        op: fc.constant('search' as const),
        filters: filtersArb(columns),
        sort: sortArb(columns),
        limit: fc.integer({ min: 1, max: 8 }),
        offset: fc.integer({ min: 0, max: 3 }),
      },
      { requiredKeys: ['op'] },
    ),
    fc.record({ op: fc.constant('count' as const), filters: filtersArb(columns) }, { requiredKeys: ['op'] }),
    {
      // Updates have the most to get wrong: more of them.
      weight: 3,
      arbitrary: fc.record(
        {
          op: fc.constant('update' as const),
          filters: filtersArb(columns),
          operations: operationsArb(columns),
          all: fc.boolean(),
          returning: fc.boolean(),
        },
        { requiredKeys: ['op', 'operations'] },
      ),
    },
    fc.record(
      { op: fc.constant('delete' as const), filters: filtersArb(columns), all: maybe(fc.boolean()) },
      { requiredKeys: ['op'] },
    ),
  );

const caseArb = columnsArb.chain((columns) =>
  fc.record({
    columns: fc.constant(columns),
    rows: fc.array(rowArb(columns), { minLength: 1, maxLength: 8 }),
    commands: fc.array(commandArb(columns), { minLength: 1, maxLength: 4 }),
  }),
);

const isEmptyFilter = (f: unknown) =>
  f === undefined ||
  (typeof f === 'object' && f !== null && !Array.isArray(f) && Object.keys(f).length === 0);

/** What the model says a command answers, and the table after it. */
function expected(rows: Row[], columns: Column[], command: Command): { reply: unknown; rows: Row[] } {
  try {
    const matching = () => {
      const p = compileFilter(command.filters, columns);
      return (row: Row) => p(row) === true;
    };
    switch (command.op) {
      case 'search': {
        const found = sortRows(rows.filter(matching()), command.sort ?? []);
        const offset = command.offset ?? 0;
        return {
          reply: { ok: true, data: { rows: found.slice(offset, offset + (command.limit ?? 100)) } },
          rows,
        };
      }
      case 'count':
        return { reply: { ok: true, data: { count: rows.filter(matching()).length } }, rows };
      case 'update': {
        if (isEmptyFilter(command.filters) && !command.all) throw new Refused('VALIDATION_ERROR');
        const change = compileUpdate(command.operations, columns);
        const hit = matching();
        const next = rows.map((r) => (hit(r) ? change(r) : r));
        const changed = next.filter((_, i) => hit(rows[i]!));
        const data = command.returning
          ? { updated: changed.length, rows: changed }
          : { updated: changed.length };
        return { reply: { ok: true, data }, rows: next };
      }
      case 'delete': {
        if (isEmptyFilter(command.filters) && !command.all) throw new Refused('VALIDATION_ERROR');
        const hit = matching();
        return {
          reply: { ok: true, data: { deleted: rows.filter(hit).length } },
          rows: rows.filter((r) => !hit(r)),
        };
      }
    }
  } catch (error) {
    if (error instanceof Refused) return { reply: { ok: false, error: { code: error.code } }, rows };
    throw error;
  }
}

/** -0 and 0 are one number to SQL; the databases return either. Rows of `returning` come in no set order. */
function normalize(value: unknown): unknown {
  if (value === 0) return 0;
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object' && value !== null) {
    const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
    if (Array.isArray(out.rows) && !('count' in out) && 'updated' in out)
      out.rows = (out.rows as Row[]).sort((a, b) => (a.id as number) - (b.id as number));
    return out;
  }
  return value;
}

/** The error's message is checked for being a line of text; the model only knows the code. */
function comparable(reply: unknown): unknown {
  const r = reply as { ok: boolean; error?: { code: string; message: unknown } };
  if (r.ok || !r.error) return normalize(reply);
  expect(r.error.message)
    .to.be.a('string')
    .and.match(/^[^\n]+$/);
  return { ok: false, error: { code: r.error.code } };
}

let tables = 0;

forEachDatabase('storage: operators and filters against a reference model', (kind) => {
  let h: RowHarness;
  before(async () => {
    h = await openRowHarness(kind);
  });
  after(() => h.close());

  it('random tables, rows, filters, sorts and updates give the rows the model gives', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ columns, rows, commands }) => {
        const table = `t${++tables}`;
        await h.createTable(table, columns);
        try {
          let model: Row[] = rows.map((r, i) => ({ id: i + 1, ...r }));
          if (model.length > 0) {
            const inserted = await h.row('insert', { table, data: model });
            expect(inserted).to.deep.equal({ ok: true, data: { ids: model.map((r) => r.id) } });
          }
          for (const [i, command] of commands.entries()) {
            const { op, ...rest } = command;
            const payload = Object.fromEntries(
              Object.entries({ table, ...rest }).filter(([, v]) => v !== undefined),
            );
            const want = expected(model, columns, command);
            const reply = await h.row(op as RowOp, payload);
            expect(comparable(reply), `reply to command ${i}: ${JSON.stringify(reply)}`).to.deep.equal(
              normalize(want.reply),
            );
            model = want.rows;
            expect(normalize(await h.rows(table)), `the table after command ${i}`).to.deep.equal(
              normalize(model),
            );
          }
        } finally {
          await h.dropTable(table);
        }
      }),
      propertyRuns(150),
    );
  });
});
