import { openDatabase, type Database } from './open.js';
import { shareDatabase } from './shared-database.js';
import { describeTarget } from './target.js';
import { err, errorMessage } from '../../contract/result.js';
import type {
  DatabaseHandler,
  FromThread,
  HandlerFactory,
  ThreadData,
  ThreadLog,
  ToThread,
} from './thread-protocol.js';

/** A database and the handler serving it, wherever they run (a worker thread, or main). */
export interface DatabaseHost {
  /** One message from the owner. */
  receive(message: ToThread): void;
  /** Settles once told to close (or failed to open) and everything it opened is closed. */
  closed: Promise<void>;
}

/**
 * Opens the database named in `data`, builds the handler named there, runs requests through it,
 * keeps the handler's housekeeping timer, and closes everything when told to. Everything it says
 * goes through `send`, the same messages whether it runs in a database thread
 * (database-thread.ts) or on the owner's own thread (`placement: 'main'`).
 */
export function hostDatabase(data: ThreadData, send: (message: FromThread) => void): DatabaseHost {
  const log: ThreadLog = {
    debug: (message) => send({ type: 'log', level: 'debug', message }),
    info: (message) => send({ type: 'log', level: 'info', message }),
    warn: (message) => send({ type: 'log', level: 'warn', message }),
    error: (message) => send({ type: 'log', level: 'error', message }),
  };

  let db: Database | undefined;
  let handler: DatabaseHandler | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closing = false;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    clearInterval(timer);
    try {
      await db?.close();
    } catch (error) {
      // Nothing is left to answer; on the main thread a rejection here would end the process.
      log.warn(`closing the database failed: ${errorMessage(error)}`);
    } finally {
      markClosed();
    }
  }

  function exec(id: string, request: unknown): void {
    if (!handler || closing) {
      send({ type: 'result', id, result: err('DATABASE_ERROR', 'the database is not open') });
      return;
    }
    handler.handle(request).then(
      (result) => {
        try {
          send({ type: 'result', id, result });
        } catch (error) {
          // A result postMessage cannot clone (nested too deep): answer that, rather than let an
          // unhandled rejection end the thread with every other request in it.
          send({
            type: 'result',
            id,
            result: err('INTERNAL', `the result cannot be passed back: ${errorMessage(error)}`),
          });
        }
      },
      (error: unknown) => send({ type: 'result', id, result: err('INTERNAL', errorMessage(error)) }),
    );
  }

  async function start(): Promise<void> {
    const opened = await (data.share ? shareDatabase(data.target) : openDatabase(data.target));
    if (closing) {
      // Told to close while opening: nobody will use it.
      await opened.close();
      return;
    }
    db = opened;
    const module = (await import(data.handler.module)) as Record<string, unknown>;
    // close() may have run during the import: it closed the database; arm nothing on it.
    if (closing) return;
    const factory = module[data.handler.exportName];
    if (typeof factory !== 'function')
      throw new Error(`${data.handler.module} has no handler factory ${data.handler.exportName}`);
    handler = (factory as HandlerFactory)(db, data.handler.options, log);
    if (handler.tick && data.tickMs) {
      const tick = handler.tick.bind(handler);
      timer = setInterval(() => {
        tick().catch((error: unknown) => log.warn(`housekeeping failed: ${errorMessage(error)}`));
      }, data.tickMs);
    }
    send({ type: 'opened', dialect: db.dialect, description: describeTarget(db.target) });
  }

  start().catch(async (error: unknown) => {
    send({ type: 'failed', error: errorMessage(error) });
    await close();
  });

  return {
    receive(message) {
      switch (message.type) {
        case 'exec':
          exec(message.id, message.request);
          return;
        case 'invalidate':
          handler?.invalidate?.(message.plugin);
          return;
        case 'close':
          void close();
          return;
      }
    },
    closed,
  };
}
