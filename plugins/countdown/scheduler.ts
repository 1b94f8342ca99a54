/**
 * The live scheduler: one timer that wakes at the next alert instant of any countdown, applies the
 * pure `due()` decisions to storage (compare-and-set) and only then posts the alerts. Storage first
 * means an alert is never posted twice (at most once: a crash between the write and the post loses
 * that one line rather than repeating it).
 */
import type { Logger } from 'rosey/sdk';
import { delayUntil, due, nextWake, type Countdown } from './schedule.js';
import { applyChange, loadAll, type Rows } from './store.js';
import { SECOND } from './when.js';

export interface SchedulerDeps {
  rows: Rows;
  /** Posts an alert line where the countdown was created. */
  send: (c: Countdown, text: string) => Promise<unknown>;
  log: Logger;
  /** Minutes before zero to alert at. */
  marks: readonly number[];
  now?: () => number;
}

/** After a storage failure, try again this much later. */
const RETRY_MS = 30 * SECOND;

export class Scheduler {
  private readonly countdowns = new Map<number, Countdown>();
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: SchedulerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Loads every countdown from storage and arms the timer (throws if storage cannot be read). */
  async start(): Promise<void> {
    await this.exclusive(() => this.reload());
    this.arm();
  }

  /** Clears the timer; a tick in progress finishes, but nothing is scheduled after it. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs `fn` after everything queued before it: ticks and command changes never interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A countdown was created (call inside `exclusive`). */
  add(c: Countdown): void {
    this.countdowns.set(c.id, c);
    this.arm();
  }

  /** A countdown was deleted (call inside `exclusive`). */
  remove(id: number): void {
    this.countdowns.delete(id);
    this.arm();
  }

  /** What the scheduler is tracking (for tests and health). */
  tracked(): Countdown[] {
    return [...this.countdowns.values()];
  }

  private async reload(): Promise<void> {
    const all = await loadAll(this.deps.rows);
    this.countdowns.clear();
    for (const c of all) this.countdowns.set(c.id, c);
  }

  private arm(delay?: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    if (delay === undefined) {
      const wake = nextWake(this.countdowns.values(), this.deps.marks);
      if (wake === undefined) return;
      delay = delayUntil(wake, this.now());
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.exclusive(() => this.tick());
    }, delay);
    this.timer.unref();
  }

  /** Handles everything due now. Never throws: a failure is logged and retried later. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      let stale = false;
      for (const s of due(this.countdowns.values(), this.now(), this.deps.marks)) {
        const c = s.countdown;
        if (!(await applyChange(this.deps.rows, c, s.change))) {
          // Changed or deleted elsewhere (another generation, a delete): storage knows better.
          stale = true;
          continue;
        }
        if (s.change.kind === 'delete') this.countdowns.delete(c.id);
        else this.countdowns.set(c.id, { ...c, targetAt: s.change.targetAt, sentUntil: s.change.sentUntil });
        if (s.text === undefined) {
          this.deps.log.info(`countdown ${c.name}: skipped a stale alert (${s.mark} min mark)`);
          continue;
        }
        await this.deps.send(c, s.text).catch((error: unknown) => {
          this.deps.log.warn(`countdown ${c.name}: alert not posted: ${String(error)}`, {
            platform: c.platform,
            channel: c.channel,
          });
        });
      }
      if (stale) await this.reload();
      this.arm();
    } catch (error) {
      this.deps.log.warn(`countdown scheduler: ${String(error)}; retrying in ${RETRY_MS / SECOND} s`);
      this.arm(RETRY_MS);
    }
  }
}
