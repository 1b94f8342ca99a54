import { setFlagsFromString } from 'node:v8';

/**
 * V8's heap sizing for Rosey's process, which runs for days and allocates per command what lives for
 * that command (issue 16). By default V8 lets the young generation grow to 16 MB per semi-space under
 * load and sets the old generation's next collection at up to several times what survived the last
 * one: after 100,000 commands Rosey held ~215 MB, of which ~100 MB were dead objects in an old space
 * that no collection visited again while Rosey sat idle (V8's memory reducer did not run), and a
 * 32 MB young generation. Nothing was retained: a heap snapshot after the load held 29 MB against
 * 27 MB idle (docs/benchmarks.md). With the two flags below main ends the lean suite's load at
 * ~105–117 MB instead of ~195–215 MB, for more, smaller collections: 5–15 % more of main's CPU per
 * command, about 10 % fewer commands/s with 100 senders and a higher p99 on a quiet machine
 * (docs/benchmarks.md, with the figures of the values not chosen). An empty FLAGS undoes it.
 *
 * - `--semi-space-growth-factor=1`: the young generation stays at the size it starts with (1 MB per
 *   semi-space); scavenging 1 MB is cheap.
 * - `--heap-growing-percent=50`: the next full collection comes once the old generation is half as
 *   large again as what survived the last, so what 100 commands in flight promote is collected soon
 *   instead of filling the old space. A capped young generation alone promoted more and ended no
 *   better (docs/benchmarks.md).
 *
 * `--max-semi-space-size` would say the first directly, but V8 reads it only when a heap is set up,
 * from the command line, which Rosey's process does not choose (`rosey start`, `node bin/run.js`, a
 * service manager). These two are read each time V8 sizes a space, so setting them at runtime
 * works; but V8 resets them whenever it sets up another isolate's heap (a worker thread), and they
 * are the whole process's: they must be set again once each worker thread is running.
 * test/process/main-heap.test.ts checks all of this, so a Node upgrade that changes it shows.
 */
const FLAGS = '--semi-space-growth-factor=1 --heap-growing-percent=50';

let tuned = false;

/** From now on, this process's main thread keeps its heap close to what is live. */
export function keepHeapSmall(): void {
  tuned = true;
  setFlagsFromString(FLAGS);
}

/** After a worker thread has started (`'online'`): its heap's setup undid the flags, if they were set. */
export function restoreHeapFlags(): void {
  if (tuned) setFlagsFromString(FLAGS);
}
