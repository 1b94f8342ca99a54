import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';

/**
 * Follows the log at `path` as `tail -F` does: new lines of the file being written, then, when
 * the link moves to a new file (a roll), the rest of the old one and the new one from its start.
 * Polls (fs.watch does not see a link change on every file system). `stop` ends it.
 * `backlogBytes`: also the whole lines of the file's last bytes, first (a watcher joining late
 * sees what led up to now).
 */
export function followLog(
  path: string,
  onLine: (text: string) => void,
  intervalMs = 200,
  backlogBytes = 0,
): { stop(): void } {
  let current = target(path);
  const size = current ? statSync(current).size : 0;
  let offset = Math.max(0, size - backlogBytes);
  // Starting inside the file, the first line read is likely a line's tail: skipped.
  let skipFirst = backlogBytes > 0 && offset > 0;
  let partial = '';

  const readFrom = (file: string) => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return; // removed by the rotation's retention: nothing more to read there
    }
    if (size < offset) offset = 0; // truncated: start over
    if (size === offset) return;
    const fd = openSync(file, 'r');
    try {
      const chunk = Buffer.alloc(size - offset);
      readSync(fd, chunk, 0, chunk.length, offset);
      offset = size;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      if (skipFirst && lines.length > 0) {
        skipFirst = false;
        lines.shift();
      }
      for (const line of lines) if (line) onLine(line);
    } finally {
      closeSync(fd);
    }
  };

  const timer = setInterval(() => {
    const now = target(path);
    if (!now) return;
    if (now !== current) {
      if (current) readFrom(current);
      current = now;
      offset = 0;
      partial = '';
    }
    readFrom(current);
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}

/** The file the link points at (or `path` itself when it is a file); undefined before it exists. */
function target(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
