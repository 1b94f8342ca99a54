import { setFlagsFromString } from 'node:v8';

/**
 * Keeping V8's young generation at the size it starts with (1 MB per semi-space) in a long-running
 * process. Under load V8 grew Rosey's to 16 MB per semi-space and kept the pages, and the bigger
 * young generation promoted more into the old one, which kept its pages too (issue 16,
 * docs/benchmarks.md). What a command allocates lives for that command; scavenging 1 MB is cheap.
 *
 * `--max-semi-space-size` would say it directly, but is read only when a heap is set up, from the
 * command line, which Rosey's process does not choose (`rosey start`, `node bin/run.js`, a service
 * manager). The growth factor is read each time V8 grows the space, so setting it at runtime works;
 * but V8 raises it back to 2 whenever it sets up another isolate's heap (a worker thread), and the
 * flag is the whole process's: it must be set again once each worker thread is running.
 * test/process/young-generation.test.ts checks both, so a Node upgrade that changes this shows.
 */
let capped = false;

const CAP = '--semi-space-growth-factor=1';

/** From now on, the young generation of this process's main thread stays at its size. */
export function keepYoungGenerationSmall(): void {
  capped = true;
  setFlagsFromString(CAP);
}

/** After a worker thread has started (`'online'`): its heap setup undid the cap, if there was one. */
export function restoreYoungGenerationCap(): void {
  if (capped) setFlagsFromString(CAP);
}
