/**
 * A second writer for the consistency tests, in a process of its own (SQLite's calls are
 * synchronous: in the test's process a write could never overlap a snapshot): it writes pairs, an
 * audit record and a key in one transaction, until SIGTERM, then prints how many it wrote.
 * Usage: node pair-writer.js <database URL or SQLite file>
 */
import { openDatabase } from '../../actors/database/open.js';
import { resolveDatabase } from '../../actors/database/target.js';

const where = process.argv[2]!;
const target = resolveDatabase(/^postgres/.test(where) ? where : `sqlite://${where}`, '/');
const db = await openDatabase(target, { applyCoreMigrations: false });
let stopping = false;
process.on('SIGTERM', () => (stopping = true));
let pairs = 0;
while (!stopping) {
  const n = pairs;
  await db.knex.transaction(async (trx) => {
    // Two tables, which a backup reads one after the other: without one snapshot for both, the
    // later one holds pairs the earlier one has not.
    await trx('rosey_audit').insert({ at: n, actor: 'pairs', action: 'pair', target: `p${n}`, detail: '' });
    await trx('rosey_kv').insert({ namespace: 'pairs', key: `p${n}`, value: String(n), updated_at: n });
  });
  pairs++;
  if (pairs === 1) process.stdout.write('writing\n');
  // SQLite's calls settle without a turn of the event loop: without one, SIGTERM is never handled.
  await new Promise((resolve) => setImmediate(resolve));
}
await db.close();
process.stdout.write(`pairs ${pairs}\n`);
