import { fromCallback } from 'xstate';
import {
  describeRelease,
  releaseMemoryWhenQuiet,
  type IdleMemoryOptions,
} from '../../contract/idle-memory.js';
import type { Logger } from '../../contract/log.js';
import { childExit, type ShutdownEvent } from '../../supervisors/child-protocol.js';

export interface MemoryReleaseInput extends Omit<IdleMemoryOptions, 'released'> {
  logger: Logger;
}

/**
 * Owns the timer that gives main's memory back after a busy spell (contract/idle-memory.ts says
 * when and why); plugin processes run the same in their SDK. Nothing to finish on a shutdown: it
 * exits at once, and its cleanup clears the timer.
 */
export const memoryReleaseActor = fromCallback<ShutdownEvent, MemoryReleaseInput>(
  ({ input, self, sendBack, receive }) => {
    const { logger, ...options } = input;
    const releaser = releaseMemoryWhenQuiet({
      ...options,
      released: (report) => logger.debug(describeRelease(report)),
      failed: (message) => logger.warn(message),
    });
    // The supervisor's shutdown: nothing to finish, so it exits at once.
    receive((event) => {
      if (event.type === 'rosey.shutdown') sendBack(childExit(self, 'shutdown'));
    });
    return () => releaser.stop();
  },
);
