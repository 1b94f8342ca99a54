import { fromCallback } from 'xstate';
import type { BusLink } from '../bus/bus-link.js';
import { encodeJson } from '../../contract/envelope.js';
import type { PluginUsers } from './plugin-users.js';
import { subjects } from '../../contract/subjects.js';
import { permissionViolation } from './permission-violation.js';
import type { Logger } from '../../contract/log.js';
import { describeProcessExit } from '../../process/process-exit.js';
import { errorMessage } from '../../contract/result.js';
import { childExit, childReady, type ShutdownEvent } from '../../supervisors/child-protocol.js';
import { startNatsServer, type NatsServerHandle } from './nats-server-process.js';

export interface NatsServerActorInput {
  port: number;
  /** Read at every (re)start; plugins installed while Rosey runs are added through it. */
  users?: PluginUsers;
  dir: string;
  binary?: string;
  logger: Logger;
  /** Where refused plugin publishes are reported (`rosey.security.violation`), once the bus is up. */
  link?: BusLink;
}

/**
 * Owns one nats-server process: ready when it accepts clients, an exit (crash) when the process
 * dies on its own, a graceful SIGTERM on `rosey.shutdown`, SIGKILL when stopped outright. The port
 * is fixed by the caller so a restarted server comes back where clients reconnect to.
 */
export const natsServerActor = fromCallback<ShutdownEvent, NatsServerActorInput>(
  ({ input, sendBack, receive, self }) => {
    const log = input.logger;
    let handle: NatsServerHandle | undefined;
    let stopping = false;
    let disposed = false;

    startNatsServer({
      port: input.port,
      users: input.users?.all(),
      dir: input.dir,
      binary: input.binary,
      onLog: (line) => {
        const violation = permissionViolation(line);
        if (!violation) return log.debug(line);
        log.warn(violation.reason);
        input.link?.connection?.publish(subjects.securityViolation, encodeJson(violation));
      },
    }).then(
      (started) => {
        if (disposed) {
          started.kill();
          return;
        }
        handle = started;
        input.users?.attach((users) => started.reload(users));
        log.info(`nats-server ready on 127.0.0.1:${started.port}`, { pid: started.pid });
        sendBack(childReady(self, { pid: started.pid, port: started.port }));
        void started.exited.then((exit) => {
          if (stopping) sendBack(childExit(self, 'shutdown'));
          else sendBack(childExit(self, { error: `nats-server died (${describeProcessExit(exit)})` }));
        });
      },
      (error: unknown) => sendBack(childExit(self, { error: errorMessage(error) })),
    );

    receive((event) => {
      // Not assertEvent: a callback that throws loses its cleanup, and the server process with it.
      if (event.type !== 'rosey.shutdown') {
        log.warn(`ignored an unexpected ${String(event.type)}`);
        return;
      }
      stopping = true;
      if (handle) void handle.stop();
      else sendBack(childExit(self, 'shutdown'));
    });

    return () => {
      disposed = true;
      input.users?.detach();
      handle?.kill();
    };
  },
);
