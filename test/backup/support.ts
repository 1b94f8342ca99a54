/** What the backup tests share: a Rosey's data on either database, seeded; reading archives back. */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { loadConfig, type LoadedConfig } from '../../app/config/load.js';
import { viaDatabase } from '../../app/migrations-access.js';
import { openDatabase, type Database } from '../../actors/database/open.js';
import { resolveDatabase } from '../../actors/database/target.js';
import { freshDatabase, type DatabaseKind } from '../support/databases.js';
import { tempDir } from '../support/nats.js';

export interface RoseyData {
  cwd: string;
  dataDir: string;
  loaded: LoadedConfig;
  /** For CLI runs: DATABASE_URL on PostgreSQL. */
  env: NodeJS.ProcessEnv;
}

/** An empty Rosey data directory on `kind` (SQLite: `<dataDir>/rosey.db`; PostgreSQL: a fresh database). */
export async function roseyData(kind: DatabaseKind): Promise<RoseyData> {
  const cwd = tempDir('rosey-backup-');
  const dataDir = join(cwd, 'data');
  mkdirSync(dataDir);
  const url = kind === 'postgresql' ? ((await freshDatabase(kind)) as { url: string }).url : undefined;
  const loaded = loadConfig({ cwd, env: {}, overrides: { dataDir, database: { url } } });
  return { cwd, dataDir, loaded, env: url ? { DATABASE_URL: url } : {} };
}

export async function withDatabase<T>(data: RoseyData, use: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(resolveDatabase(data.loaded.config.database.url, data.dataDir));
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

/**
 * The built-in plugins' migrations applied, and rows of every kind of value: unicode, quotes and
 * newlines in text, NULL, large integers, JSON, key-value entries with and without expiry.
 */
export async function seed(data: RoseyData): Promise<void> {
  const access = await viaDatabase(data.loaded);
  try {
    for (const plugin of [...access.withMigrations].sort()) {
      const result = await access.apply(plugin, { actor: 'test' });
      if (!result.ok) throw new Error(`${plugin}: ${result.error.message}`);
    }
  } finally {
    await access.close();
  }
  await withDatabase(data, async (db) => {
    const kv = Array.from({ length: 300 }, (_, i) => ({
      namespace: i % 2 ? 'quote-db' : 'trivia',
      key: `k${i}`,
      value: JSON.stringify({ n: i, text: `ünïcödé 🎲 "quoted" \n line ${i}` }),
      expires_at: i % 3 ? null : 4_102_444_800_000 + i,
      updated_at: 1_796_000_000_000 + i,
    }));
    for (let i = 0; i < kv.length; i += 100) await db.knex('rosey_kv').insert(kv.slice(i, i + 100));
    await db.knex('quote_db__quotes').insert([
      {
        text: "It's #tapes\nand more",
        author: 'Ünïcode',
        added_by: 'kim',
        timestamp: 1_796_000_000,
        score: 7,
        tags: '["tapes"]',
      },
      {
        text: 'plain',
        author: 'Unknown',
        added_by: 'lee',
        timestamp: 9_007_199_254_740,
        score: -3,
        tags: '[]',
      },
    ]);
    await db.knex('quote_db__votes').insert([
      { quote_id: 1, voter: 'kim' },
      { quote_id: 2, voter: 'lee' },
    ]);
    await db
      .knex('rosey_audit')
      .insert({ at: 1_796_000_000_001, actor: 'test', action: 'seed', target: 'x', detail: '{"a":[1,2]}' });
  });
}

/** Every entry of a backup archive, by path. */
export async function archiveEntries(file: string): Promise<Map<string, Buffer>> {
  const extractor = extract();
  const entries = new Map<string, Buffer>();
  extractor.end(gunzipSync(readFileSync(file)));
  for await (const entry of extractor) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.set(entry.header.name, Buffer.concat(chunks));
  }
  return entries;
}

/** Each table's rows as the archive holds them (one JSON array per row), by table name. */
export async function archivedRows(file: string): Promise<Map<string, unknown[][]>> {
  const tables = new Map<string, unknown[][]>();
  for (const [path, data] of await archiveEntries(file)) {
    const match = /^database\/(.+)\.jsonl$/.exec(path);
    if (!match) continue;
    const text = data.toString('utf8');
    tables.set(
      match[1]!,
      text === ''
        ? []
        : text
            .trimEnd()
            .split('\n')
            .map((l) => JSON.parse(l) as unknown[]),
    );
  }
  return tables;
}

/** A hash of a folder's every path, type and content: "nothing changed on disk". */
export function hashTree(dir: string): string {
  const hash = createHash('sha256');
  const walk = (at: string, rel: string) => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      const stat = lstatSync(path);
      hash.update(`${rel}/${name}\0${stat.mode}\0`);
      if (stat.isDirectory()) walk(path, `${rel}/${name}`);
      else if (stat.isFile()) hash.update(readFileSync(path));
    }
  };
  walk(dir, '');
  return hash.digest('hex');
}
