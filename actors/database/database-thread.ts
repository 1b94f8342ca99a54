/**
 * The body of a database thread (a worker_threads Worker started by `databaseWorker`). It owns the
 * connection (pool): opens it, builds the handler named in its workerData, runs requests through
 * it, keeps the handler's housekeeping timer, and closes everything when told to. Queries run
 * here, so a slow one never stalls the main event loop (supervisors, router, health checks).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, type Database } from './open.js';
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

const port = parentPort;
if (!port) throw new Error('database-thread.js runs as a worker thread, not on its own');
const data = workerData as ThreadData;
const send = (message: FromThread) => port.postMessage(message);

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

async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  clearInterval(timer);
  try {
    await db?.close();
  } finally {
    port!.close();
  }
}

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'exec': {
      const { id } = message;
      if (!handler || closing) {
        send({ type: 'result', id, result: err('DATABASE_ERROR', 'the database is not open') });
        return;
      }
      handler.handle(message.request).then(
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
      return;
    }
    case 'invalidate':
      handler?.invalidate?.(message.plugin);
      return;
    case 'close':
      void close();
      return;
  }
});

async function start(): Promise<void> {
  const opened = await openDatabase(data.target);
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
