import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { INSTALL_HINT } from '../../actors/nats-server/nats-server-process.js';
import { errorMessage } from '../../contract/result.js';
import type { RoseyConfig } from '../config/schema.js';
import { failed, ok, type CheckResult } from './doctor-check.js';
import { tcpUnreachable } from './tcp-reach.js';

const run = promisify(execFile);

/**
 * The embedded nats-server's binary and its version; or, when `nats.url` names a server Rosey does
 * not run, whether its port accepts connections (credentials are the bus's business at start).
 */
export async function checkNats(config: RoseyConfig, timeoutMs: number): Promise<CheckResult> {
  if (config.nats.url) return checkExternal(config.nats.url, timeoutMs);
  try {
    const { stdout } = await run(config.nats.binary, ['--version'], { timeout: timeoutMs });
    return ok('nats-server', stdout.trim() || config.nats.binary);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return failed(
      'nats-server',
      missing
        ? `${config.nats.binary} not found`
        : `${config.nats.binary} --version failed: ${errorMessage(error)}`,
      missing ? INSTALL_HINT : `check nats.binary (${config.nats.binary})`,
    );
  }
}

async function checkExternal(url: string, timeoutMs: number): Promise<CheckResult> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname;
    port = Number(parsed.port || 4222);
  } catch {
    return failed('nats-server', `nats.url is not a URL`, 'set nats.url to nats://HOST:PORT');
  }
  const shown = `${host}:${port}`;
  const reached = await tcpUnreachable(host, port, timeoutMs);
  return reached === undefined
    ? ok('nats-server', `${shown} (nats.url) accepts connections`)
    : failed(
        'nats-server',
        `cannot reach ${shown} (nats.url): ${reached}`,
        'start that server, or unset nats.url to run an embedded one',
      );
}
