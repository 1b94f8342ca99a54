/**
 * A second writer for the consistency tests, in a process of its own (SQLite's calls are
 * synchronous: in the test's process a write could never overlap a snapshot): it inserts keys in
 * pairs, one transaction per pair, until SIGTERM, then prints how many pairs it wrote.
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
    await trx('rosey_kv').insert({ namespace: 'pairs', key: `p${n}a`, value: String(n), updated_at: n });
    await trx('rosey_kv').insert({ namespace: 'pairs', key: `p${n}b`, value: String(n), updated_at: n });
  });
  pairs++;
  if (pairs === 1) process.stdout.write('writing\n');
  // SQLite's calls settle without a turn of the event loop: without one, SIGTERM is never handled.
  await new Promise((resolve) => setImmediate(resolve));
}
await db.close();
process.stdout.write(`pairs ${pairs}\n`);
