import type { Database } from '../database/open.js';
import { StorageService, type StorageRequest } from './storage-service.js';
import type { DatabaseHandler, ThreadLog } from '../database/thread-protocol.js';

/**
 * The storage service as it runs in the storage actor's database thread. Requests arrive already
 * parsed from their subject (`parseStorageSubject`), so they are trusted to be StorageRequests.
 */
export function storageHandler(db: Database, _options: unknown, log: ThreadLog): DatabaseHandler {
  const service = new StorageService(db);
  return {
    handle: (request) => service.handle(request as StorageRequest),
    tick: async () => {
      const swept = await service.kv.sweep();
      if (swept > 0) log.debug(`swept ${swept} expired keys`);
    },
    invalidate: (plugin) => service.rows.schemas.invalidate(plugin),
  };
}
