import { fromCallback } from 'xstate';
import type { Logger } from '../../contract/log.js';
import { errorMessage } from '../../contract/result.js';
import { removeRuntimeFile, writeRuntimeFile, type RuntimeInfo } from './runtime-file.js';

/** Owns the runtime file: written while the control plane is up, removed when it stops. */
export const runtimeFileActor = fromCallback<
  { type: 'none' },
  { dataDir: string; info: RuntimeInfo; logger: Logger }
>(({ input }) => {
  try {
    writeRuntimeFile(input.dataDir, input.info);
  } catch (error) {
    input.logger.warn(
      `cannot write the runtime file: ${errorMessage(error)}; CLI commands will need --nats-url`,
    );
  }
  return () => removeRuntimeFile(input.dataDir, input.info.pid);
});
