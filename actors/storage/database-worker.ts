import { fromCallback } from 'xstate';
import { openDatabase, type Database } from '../../kernel/database/open.js';
import { describeTarget, type DatabaseTarget } from '../../kernel/database/target.js';
import type { Logger } from '../../kernel/log/logger.js';
import { err, errorMessage, type Result } from '../../kernel/result.js';

/** What runs against the open database on behalf of the owning actor. */
export interface DatabaseHandler<Request> {
  handle(request: Request): Promise<Result<unknown>>;
  /** Periodic housekeeping (e.g. sweeping expired keys). */
  tick?(): Promise<void>;
  /** Something outside changed a plugin's schema. */
  invalidate?(plugin: string): void;
}

export interface DatabaseWorkerInput<Request> {
  target: DatabaseTarget;
  logger: Logger;
  handler: (db: Database) => DatabaseHandler<Request>;
  tickMs?: number;
}

export type DatabaseWorkerEvent =
  | { type: 'db.opened'; dialect: Database['dialect']; description: string }
  | { type: 'db.failed'; error: string }
  | { type: 'db.result'; replyId: string; result: Result<unknown> };

export type DatabaseWorkerCommand<Request> =
  { type: 'db.exec'; replyId: string; request: Request } | { type: 'db.invalidate'; plugin: string };

/**
 * Owns one database connection (pool) for its actor: opens it (applying core migrations), runs the
 * actor's requests against it, keeps its housekeeping timer, and closes it when stopped.
 */
export function databaseWorker<Request>() {
  return fromCallback<DatabaseWorkerCommand<Request>, DatabaseWorkerInput<Request>>(
    ({ input, sendBack, receive }) => {
      let db: Database | undefined;
      let handler: DatabaseHandler<Request> | undefined;
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;

      openDatabase(input.target).then(
        (opened) => {
          if (stopped) {
            void opened.close();
            return;
          }
          db = opened;
          handler = input.handler(opened);
          if (handler.tick && input.tickMs) {
            const tick = handler.tick.bind(handler);
            timer = setInterval(() => {
              tick().catch((error: unknown) =>
                input.logger.warn(`housekeeping failed: ${errorMessage(error)}`),
              );
            }, input.tickMs);
          }
          sendBack({
            type: 'db.opened',
            dialect: opened.dialect,
            description: describeTarget(opened.target),
          });
        },
        (error: unknown) => !stopped && sendBack({ type: 'db.failed', error: errorMessage(error) }),
      );

      receive((command) => {
        if (command.type === 'db.invalidate') {
          handler?.invalidate?.(command.plugin);
          return;
        }
        const { replyId } = command;
        if (!handler) {
          sendBack({ type: 'db.result', replyId, result: err('DATABASE_ERROR', 'the database is not open') });
          return;
        }
        handler.handle(command.request).then(
          (result) => sendBack({ type: 'db.result', replyId, result }),
          (error: unknown) =>
            sendBack({ type: 'db.result', replyId, result: err('INTERNAL', errorMessage(error)) }),
        );
      });

      return () => {
        stopped = true;
        clearInterval(timer);
        void db?.close();
      };
    },
  );
}
