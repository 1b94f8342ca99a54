import type { NatsConnection } from '../contract/nats.js';
import { request } from '../contract/request.js';
import type { LoadedConfig } from './config/load.js';
import { openDatabase } from '../actors/database/open.js';
import { resolveDatabase } from '../actors/database/target.js';
import { KvStore } from '../actors/storage/kv-store.js';
import { kvReplies } from '../contract/messages/storage.js';
import { subjects } from '../contract/subjects.js';

/**
 * Deletes a plugin's key-value entries: through the running Rosey's storage (page by page), or
 * straight in the database when Rosey is stopped. Returns how many keys went.
 */
export async function purgeKeyValues(
  loaded: LoadedConfig,
  plugin: string,
  nc?: NatsConnection,
): Promise<number> {
  if (!nc) {
    const db = await openDatabase(resolveDatabase(loaded.config.database.url, loaded.dataDir));
    try {
      return await new KvStore(db.knex, db.dialect).clear(plugin);
    } finally {
      await db.close();
    }
  }
  let deleted = 0;
  for (;;) {
    const page = await request(
      nc,
      subjects.kv(plugin, 'list'),
      { limit: 1000 },
      { timeoutMs: 10_000, reply: kvReplies.list },
    );
    if (!page.ok) throw new Error(`listing ${plugin}'s keys: ${page.error.message}`);
    const { keys } = page.data;
    if (keys.length === 0) return deleted;
    for (const key of keys) {
      const gone = await request(nc, subjects.kv(plugin, 'delete'), { key }, { timeoutMs: 10_000 });
      if (!gone.ok) throw new Error(`deleting ${plugin}'s key ${key}: ${gone.error.message}`);
      deleted++;
    }
  }
}
