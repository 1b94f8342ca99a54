import { openDatabase, type Database } from './open.js';
import type { DatabaseTarget } from './target.js';

interface Shared {
  opening: Promise<Database>;
  users: number;
}

/** Databases open on this thread, by target: one connection (pool) for every host here. */
const open = new Map<string, Shared>();

const keyOf = (target: DatabaseTarget) =>
  target.kind === 'sqlite' ? `sqlite:${target.file}` : `postgresql:${target.url}`;

/**
 * The database on this thread, opened by the first host that asks and closed when the last one
 * closes its lease (`close()` of what this returns; once per lease). Two SQLite connections on one
 * thread must not both write: one waiting for the other's write lock blocks the thread in SQLite's
 * busy handler, and the other's transaction, whose next step needs that thread, can never finish
 * (a deadlock until the busy timeout). On one connection knex runs their transactions one after
 * the other instead.
 */
export async function shareDatabase(target: DatabaseTarget): Promise<Database> {
  const key = keyOf(target);
  let shared = open.get(key);
  if (!shared) {
    const created: Shared = { opening: openDatabase(target), users: 0 };
    open.set(key, created);
    created.opening.catch(() => {
      if (open.get(key) === created) open.delete(key);
    });
    shared = created;
  }
  const entry = shared;
  entry.users++;
  let db: Database;
  try {
    db = await entry.opening;
  } catch (error) {
    entry.users--;
    throw error;
  }
  let released = false;
  return {
    ...db,
    close: async () => {
      if (released) return;
      released = true;
      entry.users--;
      if (entry.users > 0) return;
      if (open.get(key) === entry) open.delete(key);
      await db.close();
    },
  };
}

/** How many databases this thread holds open for its hosts: what tests check for leaks. */
export function sharedDatabases(): number {
  return open.size;
}
