import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Spans wait; commands should not. On Linux a thread has its own nice value: this one takes the
 * lowest priority, so it runs on what CPU the process's commands leave (measured: its encoding on a
 * busy 2-core machine otherwise delayed commands by tens of percent at p95/p99, issue 17). Where
 * /proc/thread-self does not exist (not Linux), the thread keeps the process's priority.
 */
export function yieldToCommands(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
  } catch {
    // Not Linux, or /proc not mounted: nothing to lower.
  }
}
