import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '../../contract/nats.js';
import type { DatabaseTarget } from '../../actors/database/target.js';
import { busSpec, newWiring, migratorSpec, storageSpec } from '../../app/child-specs.js';
import { quietLogger } from '../../contract/log.js';
import { request } from '../../contract/request.js';
import type { Result } from '../../contract/result.js';
import { runTree, type RunningTree } from '../../supervisors/run-tree.js';
import { freshDatabase, type DatabaseKind } from './databases.js';

export const FIXTURE_MIGRATIONS = fileURLToPath(new URL('../fixtures/migrations/', import.meta.url));

export interface StorageKernel {
  tree: RunningTree;
  database: DatabaseTarget;
  nc: NatsConnection;
  /** One request on `rosey.db.<rest>`, e.g. `kv.notes.get`. */
  call(rest: string, payload: unknown, timeoutMs?: number): Promise<Result<unknown>>;
  stop(): Promise<void>;
}

/** bus + storage + migrator on a fresh database, as Rosey's infra branch runs them (app/child-specs.ts). */
export async function startStorageKernel(
  url: string,
  kind: DatabaseKind,
  migrationDirs: Record<string, string> = { notes: `${FIXTURE_MIGRATIONS}notes` },
  credentials: { user?: string; pass?: string } = {},
): Promise<StorageKernel> {
  const wiring = newWiring(quietLogger);
  const database = await freshDatabase(kind);
  const tree = await runTree({
    name: 'storage-test',
    strategy: 'rest_for_one',
    logger: quietLogger,
    children: [
      busSpec(wiring, { url, ...credentials }),
      storageSpec(wiring, database),
      migratorSpec(wiring, database, {
        migrationDirs: new Map(Object.entries(migrationDirs)),
        lockTimeoutMs: 500,
      }),
    ],
  });
  const nc = await connect({ servers: url, ...credentials, name: 'test-client' });
  return {
    tree,
    database,
    nc,
    call: (rest, payload, timeoutMs = 10_000) => request(nc, `rosey.db.${rest}`, payload, { timeoutMs }),
    stop: async () => {
      await nc.close();
      await tree.shutdown();
    },
  };
}
