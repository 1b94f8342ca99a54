import type { Database } from './open.js';
import type { DatabaseTarget } from './target.js';
import type { Result } from '../../contract/result.js';

/**
 * What the database thread and the actor that owns it say to each other. Everything here crosses
 * a worker_threads boundary, so it is plain data (structured clone): no functions, no classes.
 */

/** Which module builds the thread's handler, and the (cloneable) options it gets. */
export interface HandlerSpec {
  /** File URL of the module, e.g. `new URL('./storage-handler.js', import.meta.url).href`. */
  module: string;
  /** Name of its export: a `HandlerFactory`. */
  exportName: string;
  options: unknown;
}

export interface ThreadData {
  target: DatabaseTarget;
  handler: HandlerSpec;
  /** Interval of the handler's housekeeping `tick`, in ms (none when absent). */
  tickMs?: number;
  /**
   * Use the database already open on this thread for the same target, if any, instead of a
   * connection of its own (shared-database.ts): hosts on the main thread.
   */
  share?: boolean;
}

export type ToThread =
  { type: 'exec'; id: string; request: unknown } | { type: 'invalidate'; plugin: string } | { type: 'close' };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type FromThread =
  | { type: 'opened'; dialect: Database['dialect']; description: string }
  | { type: 'failed'; error: string }
  | { type: 'result'; id: string; result: Result<unknown> }
  | { type: 'log'; level: LogLevel; message: string };

/** What runs against the open database, inside the thread. */
export interface DatabaseHandler {
  handle(request: unknown): Promise<Result<unknown>>;
  /** Periodic housekeeping (e.g. sweeping expired keys). */
  tick?(): Promise<void>;
  /** Something outside changed a plugin's schema. */
  invalidate?(plugin: string): void;
}

/** The thread's log: lines go to the owning actor's logger. */
export type ThreadLog = Record<LogLevel, (message: string) => void>;

export type HandlerFactory = (db: Database, options: unknown, log: ThreadLog) => DatabaseHandler;
