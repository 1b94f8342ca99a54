import { createServer } from 'node:net';
import { errorMessage } from '../../contract/result.js';
import type { RoseyConfig } from '../config/schema.js';
import { failed, ok, skipped, type CheckResult } from './doctor-check.js';

/**
 * The HTTP endpoint's port is free to bind (when `http.enabled`). Only asked when Rosey is not
 * running: a running Rosey holds the port itself.
 */
export async function checkPorts(config: RoseyConfig): Promise<CheckResult> {
  const { enabled, host, port } = config.http;
  if (!enabled) return skipped('ports', 'http.enabled is off: Rosey listens on no fixed port');
  if (port === 0) return ok('ports', 'http.port 0: any free port');
  const problem = await new Promise<string | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRINUSE' ? 'in use by another program' : errorMessage(error)),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
  return problem === undefined
    ? ok('ports', `${host}:${port} (http.port) is free`)
    : failed(
        'ports',
        `${host}:${port} (http.port): ${problem}`,
        'stop what holds it, or set http.port (0: any free port)',
      );
}
