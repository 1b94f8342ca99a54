import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { MigrationRunner } from '../../actors/migrator/runner.js';
import { forEachDatabase, freshDatabase } from '../support/databases.js';
import { hashtags } from '../../plugins/quote-db/hashtags.js';

/**
 * quote-db's migrations with data in the table, on SQLite and PostgreSQL: 001 → 002 → 003, back
 * down step by step (each step keeps every quote), up again (scores and tags rebuilt), down to 0
 * and up again (the seed quotes). The database is read directly here; the plugin never does.
 */
const dir = fileURLToPath(new URL('../../plugins/quote-db/migrations/', import.meta.url));
const PLUGIN = 'quote-db';
const TABLE = 'quote_db__quotes';
const actor = 'quote-db-migrations-test';

/** Quotes a channel added, chosen to trip the hashtag SQL: punctuation, case, repeats, SQL, unicode. */
const ADDED = [
  'Keep #circulating the #tapes.',
  '#A #a #b_c, #bad-tag #ok! #Why? (#paren) mid#word ##double',
  "Robert'); DROP TABLE quote_db__quotes;-- #bobby",
  'Zoë says #café is not a tag but #cafe is',
  `#${'x'.repeat(32)} #${'y'.repeat(33)} #end`,
  'no tags at all',
  Array.from({ length: 25 }, (_, i) => `#t${i}`).join(' '),
];
const YEAR = 365 * 24 * 3600;
const now = () => Math.floor(Date.now() / 1000);

interface QuoteRow {
  id: number;
  text: string;
  author: string;
  added_by: string;
  timestamp: number;
  score?: number;
  tags?: string[];
}

async function quotes(db: Database): Promise<QuoteRow[]> {
  const rows = (await db.knex(TABLE).select('*').orderBy('id')) as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const row: QuoteRow = {
      id: Number(r.id),
      text: String(r.text),
      author: String(r.author),
      added_by: String(r.added_by),
      timestamp: Number(r.timestamp),
    };
    if ('score' in r) row.score = Number(r.score);
    if ('tags' in r) row.tags = (typeof r.tags === 'string' ? JSON.parse(r.tags) : r.tags) as string[];
    return row;
  });
}

/** The columns every version has: what a rollback must keep. */
const core = (rows: QuoteRow[]) =>
  rows.map(({ id, text, author, added_by, timestamp }) => ({ id, text, author, added_by, timestamp }));

forEachDatabase('quote-db migrations with data', (kind) => {
  let db: Database;
  let runner: MigrationRunner;
  const to = async (version: number) => {
    const status = await runner.status(PLUGIN, dir);
    const report =
      version >= status.currentVersion
        ? await runner.apply(PLUGIN, dir, { toVersion: version, actor })
        : await runner.rollback(PLUGIN, dir, { toVersion: version, actor });
    expect((await runner.status(PLUGIN, dir)).currentVersion, JSON.stringify(report)).to.equal(version);
  };

  before(async () => {
    db = await openDatabase(await freshDatabase(kind));
    runner = new MigrationRunner(db, { lockTimeoutMs: 5_000 });
  });
  after(() => db.close());

  it('001 creates the table with 8 seed quotes; 002 scores the old ones 5; 003 tags them from their text', async () => {
    await to(1);
    const seeds = await quotes(db);
    expect(seeds).to.have.length(8);
    expect(seeds[0]).to.deep.equal({
      id: 1,
      text: 'Keep #circulating the #tapes.',
      author: 'MST3K',
      added_by: 'rosey',
      timestamp: 1577836800,
    });
    // What a channel adds while at version 1: one quote new, one a year and a day old.
    await db.knex(TABLE).insert(
      ADDED.map((text, i) => ({
        text,
        author: i === 3 ? 'Zoë' : 'Unknown',
        added_by: `user${i}`,
        timestamp: i === 0 ? now() - YEAR - 86_400 : now() - 60,
      })),
    );
    const atOne = await quotes(db);

    await to(2);
    const atTwo = await quotes(db);
    expect(core(atTwo)).to.deep.equal(core(atOne));
    expect(atTwo.map((q) => q.score)).to.deep.equal([5, 5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0]);

    await to(3);
    const atThree = await quotes(db);
    expect(core(atThree)).to.deep.equal(core(atOne));
    expect(atThree.map((q) => q.score)).to.deep.equal(atTwo.map((q) => q.score));
    // The SQL backfill and the plugin's own rule agree on every text.
    for (const q of atThree) expect(q.tags, q.text).to.deep.equal(hashtags(q.text));
    expect(atThree.slice(8).map((q) => q.tags)).to.deep.equal([
      ['circulating', 'tapes'],
      ['a', 'b_c', 'ok', 'why'],
      ['bobby'],
      ['cafe'],
      ['x'.repeat(32), 'end'],
      [],
      Array.from({ length: 20 }, (_, i) => `t${i}`),
    ]);
    expect(atThree[6]!.tags).to.deep.equal(['feature']);
  });

  it('rolls back 003 and 002 keeping every quote, and forward again rebuilding scores and tags', async () => {
    const before = await quotes(db);
    // A score changed at version 3 survives the rollback of 003 (only the tags go).
    await db.knex(TABLE).where({ id: 2 }).update({ score: 42 });
    await db.knex('quote_db__votes').insert({ quote_id: 2, voter: 'bob' });
    await to(2);
    const atTwo = await quotes(db);
    expect(core(atTwo)).to.deep.equal(core(before));
    expect(atTwo[0]).to.not.have.property('tags');
    expect(atTwo[1]!.score).to.equal(42);

    await to(1);
    const atOne = await quotes(db);
    expect(core(atOne)).to.deep.equal(core(before));
    expect(atOne[1]).to.not.have.property('score');
    expect(await db.knex.schema.hasTable('quote_db__votes'), 'votes go with the scores').to.equal(false);

    // The quotes added at version 1 keep their ids: new ones continue after them.
    await db
      .knex(TABLE)
      .insert({ text: 'added at #one', author: 'Unknown', added_by: 'x', timestamp: now() });
    await to(3);
    const again = await quotes(db);
    expect(core(again).slice(0, before.length)).to.deep.equal(core(before));
    expect(again.at(-1)).to.deep.include({
      id: before.length + 1,
      text: 'added at #one',
      score: 0,
      tags: ['one'],
    });
    expect(again.map((q) => q.tags)).to.deep.equal(again.map((q) => hashtags(q.text)));
    expect(again[1]!.score, 'a rolled-back score is rebuilt, not kept').to.equal(5);
    expect(await db.knex('quote_db__votes').count({ n: '*' })).to.deep.equal([
      { n: kind === 'sqlite' ? 0 : '0' },
    ]);
  });

  it('rolls back to 0 (no table left) and applies again from the seeds', async () => {
    await to(0);
    expect(await db.knex.schema.hasTable(TABLE)).to.equal(false);
    await to(3);
    const seeds = await quotes(db);
    expect(seeds.map((q) => q.id)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seeds.every((q) => q.score === 5)).to.equal(true);
    expect(seeds[0]!.tags).to.deep.equal(['circulating', 'tapes']);
  });
});
