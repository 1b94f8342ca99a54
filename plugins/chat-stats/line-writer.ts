import { StorageError } from 'rosey/sdk';
import type { PluginContext } from 'rosey/sdk';
import { LineBatch } from './line-batch.js';
import type { PendingLines, Place } from './store.js';

/** Errors that prove storage did not take the write: the lines wait for the next one. */
const NOT_TAKEN = new Set(['NO_RESPONDERS', 'SHUTTING_DOWN']);

export interface LineWriterOptions {
  /** Writes one user's lines (store.ts `sawLines`, and the high-water mark). */
  write: (lines: PendingLines) => Promise<void>;
  log: PluginContext['log'];
  /** How long lines may wait; 0: each is written as it comes. */
  flushMs: number;
  /** Users whose lines may wait at once: more are written at once (a flood of new names). */
  maxPending: number;
}

/**
 * Chat lines waiting in a `LineBatch`, and their writing: every `flushMs`, or when asked (`flush`),
 * one write at a time. A write that storage did not take (not running, stopping) keeps its lines
 * for the next; one it may have taken (a timeout, a database error) is given up with a warning:
 * written again, its lines could count twice.
 */
export class LineWriter {
  private readonly batch = new LineBatch();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: LineWriterOptions) {}

  /** Users whose lines wait. */
  get waiting(): number {
    return this.batch.size;
  }

  /** One chat line; resolves at once unless the lines are to be written now. */
  async add(place: Place, name: string, at: number, counted: boolean): Promise<void> {
    this.batch.add(place, name, at, counted);
    if (this.o.flushMs === 0 || this.batch.size >= this.o.maxPending) await this.flush();
  }

  /**
   * Resolves once the lines that waited when it was called are written (or given up, or kept after
   * a write storage did not take: `waiting` then says so). Never rejects.
   */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.batch.size === 0) return;
    this.running = this.write(this.batch.take()).finally(() => (this.running = undefined));
    await this.running;
  }

  /** Writes every `flushMs` from now on (a tick finding a write running skips). */
  start(): void {
    if (this.o.flushMs > 0 && this.timer === undefined)
      this.timer = setInterval(() => {
        if (!this.running) void this.flush();
      }, this.o.flushMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async write(lines: PendingLines[]): Promise<void> {
    for (const [i, pending] of lines.entries()) {
      try {
        await this.o.write(pending);
      } catch (error) {
        const code = error instanceof StorageError ? error.code : undefined;
        const message = error instanceof Error ? error.message : String(error);
        if (code !== undefined && NOT_TAKEN.has(code)) {
          this.batch.putBack(lines.slice(i));
          this.o.log.warn('chat lines not written: storage did not take them; kept for the next write', {
            users: lines.length - i,
            code,
          });
          return;
        }
        this.o.log.warn('chat lines of one user not written, and given up (storage may have taken them)', {
          user: pending.name,
          lines: pending.lines,
          error: message,
        });
      }
    }
  }
}
