/**
 * Acknowledged writes: `!quote add` lines with a text no other line has, sent as an admin (no hourly
 * limit), and the check afterwards, straight on the SQLite file rather than through Rosey: every
 * line answered "Quote #N added." must be row N with that text, and no text may be there twice.
 */
import { join } from 'node:path';
import { openDatabase } from '../../actors/database/open.js';
import type { Line, Sender } from './driver.js';
import type { Writes } from './figures.js';

export const ADMIN: Sender = { user: 'chaos-admin', rank: 3 };
const TABLE = 'quote_db__quotes';
const ADDED = /^Quote #(\d+) added\.$/;

export const isAdded = (text: string) => ADDED.test(text);

/** The next `!quote add` line of a scenario: `chaos <run> <n>` is unique within the database. */
export function quoteLines(run: string): () => { text: string; as: Sender } {
  let n = 0;
  return () => ({ text: `!quote add chaos ${run} ${++n} -- Chaos`, as: ADMIN });
}

const quoteText = (line: Line) => line.text.replace(/^!quote add /, '').replace(/ -- Chaos$/, '');

/** Checks `lines` (all `!quote add`) against the table in `dataDir`'s rosey.db. */
export async function checkWrites(dataDir: string, lines: readonly Line[], run: string): Promise<Writes> {
  const db = await openDatabase(
    { kind: 'sqlite', file: join(dataDir, 'rosey.db') },
    { applyCoreMigrations: false },
  );
  try {
    const rows = (await db
      .knex(TABLE)
      .select('id', 'text')
      .where('text', 'like', `chaos ${run} %`)) as Array<{
      id: number;
      text: string;
    }>;
    const idsOf = new Map<string, number[]>();
    for (const row of rows) idsOf.set(row.text, [...(idsOf.get(row.text) ?? []), Number(row.id)]);
    const writes: Writes = { acknowledged: 0, lost: 0, duplicates: 0, unacknowledgedKept: 0 };
    for (const ids of idsOf.values()) if (ids.length > 1) writes.duplicates++;
    for (const line of lines) {
      const ids = idsOf.get(quoteText(line)) ?? [];
      const acked = line.replies.map((r) => ADDED.exec(r.text)).find(Boolean);
      if (acked) {
        writes.acknowledged++;
        if (!ids.includes(Number(acked[1]))) writes.lost++;
      } else if (ids.length > 0) writes.unacknowledgedKept++;
    }
    return writes;
  } finally {
    await db.close();
  }
}
