import { lstatSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, extname, join } from 'node:path';
import roll, { type RollOptions, type RollingStream } from './pino-roll.js';
import { errorMessage } from '../../contract/result.js';
import type { RotateOptions } from './rotate-options.js';

/** pino-roll's options for a log file at `path` (its files are `rosey.<date>.<n>.log` beside it). */
export function rollOptions(path: string, rotate: RotateOptions): RollOptions {
  const byTime =
    rotate.frequency === 'never'
      ? {}
      : {
          frequency: rotate.frequency,
          // The date in the name keeps each period's files apart (and sorted) across restarts.
          dateFormat: rotate.frequency === 'daily' ? 'yyyy-MM-dd' : 'yyyy-MM-dd-HH',
        };
  return {
    file: path,
    size: rotate.size,
    ...byTime,
    // Across restarts too: the count applies to every file of this name, not only this run's.
    limit: { count: rotate.keep, removeOtherLogFiles: true },
    mkdir: true,
  };
}

export interface LogFile {
  stream: RollingStream;
  /** Writes out what is buffered and closes the file. */
  close(): Promise<void>;
}

/**
 * The log file: pino-roll writes numbered files, and `path` itself (`logs/rosey.log`) is a symlink
 * to the one being written, so whatever reads the log by its name (`tail -F`, the tests, an
 * operator) keeps finding it after a roll. A regular file left at `path` by a Rosey from before
 * rotation is kept as `rosey.old.log`.
 */
export async function openLogFile(path: string, rotate: RotateOptions): Promise<LogFile> {
  let stream: RollingStream | undefined;
  try {
    stream = await roll(rollOptions(path, rotate));
    // The file opens asynchronously; `once` rejects if it cannot ('error' before 'ready').
    if (stream.fd < 0) await once(stream, 'ready');
    keepOldLog(path);
    pointAt(path, stream.file!);
  } catch (error) {
    if (stream && !stream.destroyed && stream.fd >= 0) stream.end();
    throw new Error(`cannot open the log file ${path}: ${errorMessage(error)}`);
  }
  const opened = stream;
  // After each roll the stream reopens on the next file: the name follows it.
  opened.on('ready', () => {
    try {
      pointAt(path, opened.file!);
    } catch (error) {
      opened.emit('error', error);
    }
  });
  return {
    stream: opened,
    close: async () => {
      if (opened.destroyed) return;
      const closed = once(opened, 'close');
      opened.end();
      await closed;
    },
  };
}

function keepOldLog(path: string): void {
  try {
    if (!lstatSync(path).isFile()) return;
  } catch {
    return;
  }
  const ext = extname(path);
  renameSync(path, join(dirname(path), `${basename(path, ext)}.old${ext}`));
}

/** Makes `path` a symlink to `file` (in the same folder) in one step: never missing, never half-made. */
function pointAt(path: string, file: string): void {
  const temporary = `${path}.${process.pid}.link`;
  rmSync(temporary, { force: true });
  symlinkSync(basename(file), temporary);
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
