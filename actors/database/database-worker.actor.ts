import { Worker } from 'node:worker_threads';
import { fromCallback } from 'xstate';
import type { Database } from './open.js';
import type { DatabaseTarget } from './target.js';
import type { Logger } from '../../contract/log.js';
import { err, errorMessage, type Result } from '../../contract/result.js';
import type { FromThread, HandlerSpec, ThreadData, ToThread } from './thread-protocol.js';

export interface DatabaseWorkerInput {
  target: DatabaseTarget;
  logger: Logger;
  handler: HandlerSpec;
  tickMs?: number;
}

export type DatabaseWorkerEvent =
  | { type: 'db.opened'; dialect: Database['dialect']; description: string; threadId: number }
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
 * Owns one database thread for its actor: starts it (the thread opens the database and applies
 * core migrations), hands it the actor's requests, and stops it when the actor stops. If the
 * thread dies — an uncaught error, out of memory — every request it had is answered with
 * DATABASE_ERROR and the owner gets `db.failed`, so its supervisor restarts it.
 *
 * `override.handler` replaces the handler the owner asks for (`machine.provide({ actors: … })`).
 */
export function databaseWorker<Request>(override: { handler?: HandlerSpec } = {}) {
  return fromCallback<DatabaseWorkerCommand<Request>, DatabaseWorkerInput>(({ input, sendBack, receive }) => {
    const data: ThreadData = {
      target: input.target,
      handler: override.handler ?? input.handler,
      tickMs: input.tickMs,
    };
    const worker = new Worker(THREAD, {
      workerData: data,
      name: 'rosey-database',
      // The thread's young generation may otherwise grow to V8's default while MikroORM starts, and
      // its pages stay resident: capped, each thread holds about 8 MB less (issue 16). What a
      // request allocates lives for one request; the rest is promoted as usual.
      resourceLimits: { maxYoungGenerationSizeMb: DATABASE_THREAD_YOUNG_MB },
    });
    counts.running++;
    const pending = new Set<string>();
    let state: 'running' | 'failed' | 'stopping' = 'running';
    let killTimer: NodeJS.Timeout | undefined;
    let exited = false;
    const post = (message: ToThread) => {
      if (!exited) worker.postMessage(message);
    };

    const fail = (error: string) => {
      if (state !== 'running') return;
      state = 'failed';
      for (const replyId of pending) {
        sendBack({
          type: 'db.result',
          replyId,
          result: err('DATABASE_ERROR', `the database thread stopped: ${error}`),
        });
      }
      pending.clear();
      sendBack({ type: 'db.failed', error });
    };

    worker.on('message', (message: FromThread) => {
      switch (message.type) {
        case 'opened':
          sendBack({
            type: 'db.opened',
            dialect: message.dialect,
            description: message.description,
            threadId: worker.threadId,
          });
          return;
        case 'failed':
          fail(message.error);
          return;
        case 'result':
          if (pending.delete(message.id))
            sendBack({ type: 'db.result', replyId: message.id, result: message.result });
          return;
        case 'log':
          input.logger[message.level](message.message);
          return;
      }
    });
    worker.on('error', (error) => fail(errorMessage(error)));
    worker.on('exit', (code) => {
      exited = true;
      counts.running--;
      clearTimeout(killTimer);
      fail(`the database thread exited (code ${code})`);
    });

    receive((command) => {
      if (command.type === 'db.invalidate') {
        post({ type: 'invalidate', plugin: command.plugin });
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
      try {
        post({ type: 'exec', id: command.replyId, request: command.request });
      } catch (error) {
        // Cloning the request for the thread failed (a value nested too deep for postMessage's
        // recursion, one it cannot clone): that request is refused, the service goes on.
        sendBack({
          type: 'db.result',
          replyId: command.replyId,
          result: err(
            'VALIDATION_ERROR',
            `the request cannot be passed to the database: ${errorMessage(error)}`,
          ),
        });
        return;
      }
      pending.add(command.replyId);
    });

    return () => {
      if (state === 'running') state = 'stopping';
      // Let it close the database cleanly; a thread stuck in a query is terminated.
      if (exited) return;
      post({ type: 'close' });
      killTimer = setTimeout(() => {
        counts.killed++;
        void worker.terminate();
      }, THREAD_CLOSE_GRACE_MS);
    };
  });
}
