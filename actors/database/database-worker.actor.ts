import { Worker } from 'node:worker_threads';
import { fromCallback } from 'xstate';
import { hostDatabase } from './database-host.js';
import type { Database } from './open.js';
import type { DatabaseTarget } from './target.js';
import type { Logger } from '../../contract/log.js';
import { err, errorMessage, type Result } from '../../contract/result.js';
import type { FromThread, HandlerSpec, ThreadData, ToThread } from './thread-protocol.js';
import { restoreHeapFlags } from '../../process/main-heap.js';

export interface DatabaseWorkerInput {
  target: DatabaseTarget;
  logger: Logger;
  handler: HandlerSpec;
  tickMs?: number;
  /**
   * Close the thread after this long without a request, and open a fresh one for the next: for a
   * service that is busy at startup and then mostly idle (the migrator). Each thread is a V8
   * isolate of its own with MikroORM loaded, tens of MB (issue 16). Absent: open for good.
   */
  idleCloseMs?: number;
  /**
   * Where the database and its handler run: a worker thread of their own (the default), or this
   * (main) thread. A thread is a V8 isolate with MikroORM loaded again, ~35 MB (issue 16); on the
   * main thread a query's synchronous part stalls everything else meanwhile, which SQLite's
   * keyed queries (tens of µs with better-sqlite3) can afford.
   */
  placement?: DatabasePlacement;
}

export type DatabasePlacement = 'thread' | 'main';

export type DatabaseWorkerEvent =
  | {
      type: 'db.opened';
      dialect: Database['dialect'];
      description: string;
      /** The worker thread's id, or `main` for `placement: 'main'`. */
      threadId: number | 'main';
    }
  /** The thread was closed for being idle (`idleCloseMs`); the next request opens another. */
  | { type: 'db.idle' }
  | { type: 'db.failed'; error: string }
  | { type: 'db.result'; replyId: string; result: Result<unknown> };

export type DatabaseWorkerCommand<Request> =
  { type: 'db.exec'; replyId: string; request: Request } | { type: 'db.invalidate'; plugin: string };

const THREAD = new URL('./database-thread.js', import.meta.url);
const DATABASE_THREAD_YOUNG_MB = 4;

/** How long a thread told to close may take to finish its queries and close the database. */
export const THREAD_CLOSE_GRACE_MS = 5000;

const counts = { running: 0, killed: 0 };

/**
 * Database threads of this process that have not exited yet, and how many had to be terminated
 * because they did not close in time: what tests check for leaks (OS thread counts are too noisy).
 */
export function databaseThreads(): Readonly<typeof counts> {
  return { ...counts };
}

/**
 * One database host and what the actor knows of it: in a worker thread, or on the main thread
 * behind the same messages.
 */
interface Thread {
  id: number | 'main';
  post(message: ToThread): void;
  /** Ends it without waiting for it to close its database. */
  terminate(): void;
  /** opening → open → closing (told to close: idle, or the actor stopped) → exited. */
  state: 'opening' | 'open' | 'closing' | 'exited';
  killTimer?: NodeJS.Timeout;
}

/**
 * Owns the database thread of its actor: starts it (the thread opens the database and applies
 * core migrations), hands it the actor's requests, and stops it when the actor stops. If the
 * thread dies — an uncaught error, out of memory — every request it had is answered with
 * DATABASE_ERROR and the owner gets `db.failed`, so its supervisor restarts it.
 *
 * With `idleCloseMs`, a thread with nothing to do for that long is closed (`db.idle`), and the
 * next request opens a fresh one (`db.opened` again) and waits for it; the thread being closed
 * finishes on its own, and stopping the actor ends every thread it has, whatever its state.
 *
 * With `placement: 'main'` the same host runs on this thread instead, behind the same messages:
 * `db.opened` says `threadId: 'main'`, and closing it (idle, or the actor stopped) closes its
 * database.
 *
 * `override` replaces the handler or the placement the owner asks for (`machine.provide({ actors:
 * … })`): a test's handler that crashes its thread must run in one.
 */
export function databaseWorker<Request>(
  override: { handler?: HandlerSpec; placement?: DatabasePlacement } = {},
) {
  return fromCallback<DatabaseWorkerCommand<Request>, DatabaseWorkerInput>(({ input, sendBack, receive }) => {
    const placement = override.placement ?? input.placement ?? 'thread';
    const data: ThreadData = {
      target: input.target,
      handler: override.handler ?? input.handler,
      tickMs: input.tickMs,
      // Every host on the main thread shares one connection per database (shared-database.ts).
      share: placement === 'main',
    };
    /** The thread requests go to; undefined once closed for idleness. */
    let current: Thread | undefined;
    /** Every thread not exited yet: the current one and any still closing. */
    const threads = new Set<Thread>();
    /** Requests sent to the current thread, by replyId. */
    const pending = new Set<string>();
    /** Requests waiting for a thread that is still opening. */
    const queued: Array<{ replyId: string; request: Request }> = [];
    let state: 'running' | 'failed' | 'stopping' = 'running';
    let idleTimer: NodeJS.Timeout | undefined;

    const fail = (error: string) => {
      if (state !== 'running') return;
      state = 'failed';
      clearTimeout(idleTimer);
      const stopped = err('DATABASE_ERROR', `the database thread stopped: ${error}`);
      for (const replyId of pending) sendBack({ type: 'db.result', replyId, result: stopped });
      for (const { replyId } of queued.splice(0)) sendBack({ type: 'db.result', replyId, result: stopped });
      pending.clear();
      sendBack({ type: 'db.failed', error });
    };

    /** Asks a thread to close its database and end; one stuck in a query is terminated. */
    const close = (thread: Thread) => {
      if (thread.state === 'closing' || thread.state === 'exited') return;
      thread.state = 'closing';
      thread.post({ type: 'close' });
      thread.killTimer = setTimeout(() => {
        counts.killed++;
        thread.terminate();
      }, THREAD_CLOSE_GRACE_MS);
    };

    const armIdle = () => {
      clearTimeout(idleTimer);
      if (input.idleCloseMs === undefined || state !== 'running') return;
      if (current?.state !== 'open' || pending.size > 0 || queued.length > 0) return;
      idleTimer = setTimeout(() => {
        if (!current || current.state !== 'open' || pending.size > 0) return;
        close(current);
        current = undefined;
        sendBack({ type: 'db.idle' });
      }, input.idleCloseMs);
    };

    /** Hands a request to the current thread, or refuses it if it cannot be passed there. */
    const exec = (thread: Thread, replyId: string, request: Request) => {
      // Pending first: a host on the main thread may answer before post returns.
      pending.add(replyId);
      try {
        thread.post({ type: 'exec', id: replyId, request });
      } catch (error) {
        pending.delete(replyId);
        // Cloning the request for the thread failed (a value nested too deep for postMessage's
        // recursion, one it cannot clone): that request is refused, the service goes on.
        sendBack({
          type: 'db.result',
          replyId,
          result: err(
            'VALIDATION_ERROR',
            `the request cannot be passed to the database: ${errorMessage(error)}`,
          ),
        });
        armIdle();
        return;
      }
    };

    /** What the current host says; one closing for idleness has no requests left. */
    const heard = (thread: Thread, message: FromThread) => {
      const isCurrent = current === thread;
      switch (message.type) {
        case 'opened':
          if (!isCurrent || thread.state !== 'opening') return;
          thread.state = 'open';
          sendBack({
            type: 'db.opened',
            dialect: message.dialect,
            description: message.description,
            threadId: thread.id,
          });
          for (const { replyId, request } of queued.splice(0)) exec(thread, replyId, request);
          armIdle();
          return;
        case 'failed':
          if (isCurrent) fail(message.error);
          return;
        case 'result':
          if (pending.delete(message.id))
            sendBack({ type: 'db.result', replyId: message.id, result: message.result });
          armIdle();
          return;
        case 'log':
          input.logger[message.level](message.message);
          return;
      }
    };

    const exited = (thread: Thread, reason: string) => {
      if (thread.state === 'exited') return;
      thread.state = 'exited';
      threads.delete(thread);
      counts.running--;
      clearTimeout(thread.killTimer);
      if (current === thread) fail(reason);
    };

    const openThread = (): Thread => {
      const worker = new Worker(THREAD, {
        workerData: data,
        name: 'rosey-database',
        // The thread's young generation may otherwise grow to V8's default while MikroORM starts, and
        // its pages stay resident: capped, each thread holds about 8 MB less (issue 16). What a
        // request allocates lives for one request; the rest is promoted as usual.
        resourceLimits: { maxYoungGenerationSizeMb: DATABASE_THREAD_YOUNG_MB },
      });
      // Setting up the thread's heap undid the main thread's heap flags (process/main-heap.ts).
      worker.once('online', restoreHeapFlags);
      const thread: Thread = {
        id: worker.threadId,
        post: (message) => worker.postMessage(message),
        terminate: () => void worker.terminate(),
        state: 'opening',
      };
      worker.on('message', (message: FromThread) => heard(thread, message));
      worker.on('error', (error) => {
        if (current === thread) fail(errorMessage(error));
      });
      worker.on('exit', (code) => exited(thread, `the database thread exited (code ${code})`));
      return thread;
    };

    /**
     * The host on this thread: no clone on the way in or out, and nothing to terminate (better-sqlite3
     * never leaves a query running in the background), so terminating just stops waiting for it.
     */
    const openHere = (): Thread => {
      const thread: Thread = {
        id: 'main',
        post: (message) => host.receive(message),
        terminate: () => exited(thread, 'the database was not closed in time'),
        state: 'opening',
      };
      const host = hostDatabase(data, (message) => heard(thread, message));
      void host.closed.then(() => exited(thread, 'the database closed'));
      return thread;
    };

    const open = (): Thread => {
      const thread = placement === 'main' ? openHere() : openThread();
      counts.running++;
      threads.add(thread);
      return thread;
    };

    current = open();

    receive((command) => {
      if (command.type === 'db.invalidate') {
        // A closed thread has nothing cached; the next one reads the schema afresh.
        if (current && current.state !== 'exited')
          current.post({ type: 'invalidate', plugin: command.plugin });
        return;
      }
      if (state !== 'running') {
        sendBack({
          type: 'db.result',
          replyId: command.replyId,
          result: err('DATABASE_ERROR', 'the database thread is not running'),
        });
        return;
      }
      clearTimeout(idleTimer);
      current ??= open();
      if (current.state === 'open') exec(current, command.replyId, command.request);
      else queued.push({ replyId: command.replyId, request: command.request });
    });

    return () => {
      if (state === 'running') state = 'stopping';
      clearTimeout(idleTimer);
      // Let each close the database cleanly; a thread stuck in a query is terminated.
      for (const thread of threads) close(thread);
    };
  });
}
