/**
 * The body of a database thread (a worker_threads Worker started by `databaseWorker`): the
 * database host (database-host.ts) on the thread's port. Queries run here, so a slow one never
 * stalls the main event loop (supervisors, router, health checks).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hostDatabase } from './database-host.js';
import type { FromThread, ThreadData, ToThread } from './thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('database-thread.js runs as a worker thread, not on its own');

const host = hostDatabase(workerData as ThreadData, (message: FromThread) => port.postMessage(message));
port.on('message', (message: ToThread) => host.receive(message));
// Closing the port lets the thread end once the database is closed.
void host.closed.finally(() => port.close());
