/**
 * Scheduled backups (`backup.every`, `backup.keep`): an actor in Rosey's tree that owns its timer,
 * writes a backup as `rosey db backup` does (on a connection of its own, while Rosey runs) into
 * `<dataDir>/backups/rosey-backup-scheduled-<time>.tar.gz`, then deletes the oldest scheduled ones
 * beyond `keep`. Backups made by hand (`rosey-backup-<time>.tar.gz`) are never deleted. A failed
 * backup is logged and the schedule goes on: it must not restart anything. Stopping the actor
 * clears its timer; a backup already being written finishes (or fails) on its own, and the next
 * one is not scheduled.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fromCallback } from 'xstate';
import type { Logger } from '../../contract/log.js';
import { errorMessage } from '../../contract/result.js';
import type { LoadedConfig } from '../config/load.js';
import { childExit, type ShutdownEvent } from '../../supervisors/child-protocol.js';
import { BACKUPS_DIR } from './backup-format.js';

export interface BackupSchedulerInput {
  loaded: LoadedConfig;
  pluginRoots: readonly string[];
  everyMs: number;
  keep: number;
  logger: Logger;
}

export const SCHEDULED_PREFIX = 'rosey-backup-scheduled-';
const SCHEDULED = /^rosey-backup-scheduled-\d{8}T\d{6}\.\d{3}Z\.tar\.gz$/;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `backup.every` (`30m`, `6h`, `1d`, as the config schema checks it) in ms. */
export function everyMs(every: string): number {
  const unit = every.at(-1) as keyof typeof UNIT_MS;
  return Number(every.slice(0, -1)) * UNIT_MS[unit];
}

/** Milliseconds in the name: two scheduled backups never share one. */
export const scheduledFileName = (now: Date) =>
  `${SCHEDULED_PREFIX}${now.toISOString().replace(/[-:]/g, '')}.tar.gz`;

/** Deletes the oldest scheduled backups beyond `keep`; returns the names deleted. */
export async function pruneScheduled(dir: string, keep: number): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => SCHEDULED.test(n)).sort();
  const old = names.slice(0, Math.max(0, names.length - keep));
  for (const name of old) await rm(join(dir, name), { force: true });
  return old;
}

export const backupSchedulerActor = fromCallback<ShutdownEvent, BackupSchedulerInput>(
  ({ input, self, sendBack, receive }) => {
    const { loaded, logger } = input;
    const dir = join(loaded.dataDir, BACKUPS_DIR);
    let stopped = false;
    let shuttingDown = false;
    let running = false;
    let timer: NodeJS.Timeout | undefined;
    const exit = () => sendBack(childExit(self, 'shutdown'));
    const run = async () => {
      timer = undefined;
      running = true;
      try {
        // Loaded when the first backup is due: the archive writer (tar-stream) and the database
        // reading are no part of a start (issue 16), and most Roseys schedule no backups.
        const { createBackup } = await import('./create-backup.js');
        const summary = await createBackup(loaded, {
          pluginRoots: input.pluginRoots,
          file: join(dir, scheduledFileName(new Date())),
        });
        const deleted = await pruneScheduled(dir, input.keep);
        logger.info('scheduled backup written', {
          file: summary.file,
          bytes: summary.bytes,
          deleted: deleted.length,
        });
      } catch (error) {
        logger.error(`scheduled backup failed: ${errorMessage(error)}`);
      }
      running = false;
      if (shuttingDown) exit();
      else if (!stopped) timer = setTimeout(() => void run(), input.everyMs);
    };
    timer = setTimeout(() => void run(), input.everyMs);
    // Its only event, the supervisor's shutdown: a backup being written is finished first (a half
    // archive is worth nothing), then it exits; otherwise at once. It used to ignore it, and every
    // stop of a Rosey with backup.every waited the 5 s of its shutdown timeout.
    receive((event) => {
      if (event.type !== 'rosey.shutdown') return;
      shuttingDown = true;
      if (timer) clearTimeout(timer);
      if (!running) exit();
    });
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  },
);
