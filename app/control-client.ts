import { connect, type NatsConnection } from '@nats-io/transport-node';
import { redactUrl } from '../actors/bus/connect.js';
import { request } from '../contract/request.js';
import { errorMessage, type Result } from '../contract/result.js';
import { subjects } from '../contract/subjects.js';
import { readRuntimeFile, removeRuntimeFile, runtimeFilePath } from '../actors/control/runtime-file.js';

export interface ControlTarget {
  url: string;
  token?: string;
  user?: string;
  pass?: string;
  /** Known when found through the runtime file. */
  pid?: number;
}

/** Thrown when no running Rosey can be found; the message is the one-line reason for the user. */
export class NotRunningError extends Error {}

/**
 * Where the CLI reaches Rosey: `--nats-url` when given, else the runtime file a running Rosey
 * wrote in its data directory. A file left by a dead process is removed and reported.
 */
export function locateRosey(options: {
  dataDir: string;
  natsUrl?: string;
  natsToken?: string;
}): ControlTarget {
  if (options.natsUrl) return { url: options.natsUrl, token: options.natsToken };
  const found = readRuntimeFile(options.dataDir);
  switch (found.kind) {
    case 'running':
      return {
        url: found.info.natsUrl,
        token: found.info.natsToken,
        user: found.info.natsUser,
        pass: found.info.natsPass,
        pid: found.info.pid,
      };
    case 'stale':
      removeRuntimeFile(options.dataDir, found.info.pid);
      throw new NotRunningError(
        `Rosey is not running (removed a stale runtime file left by pid ${found.info.pid} in ${options.dataDir})`,
      );
    case 'invalid':
      throw new NotRunningError(`Rosey is not running here: ${found.reason}`);
    case 'missing':
      throw new NotRunningError(
        `Rosey is not running (no ${runtimeFilePath(options.dataDir)}); start it with \`rosey dev\` or \`rosey start\`, or pass --nats-url`,
      );
  }
}

/** One request on `rosey.control.<verb>`; connection problems become error results too. */
/** One short-lived CLI connection to Rosey's NATS server: no reconnects, a 3 s connect timeout. */
export function connectToRosey(target: ControlTarget): Promise<NatsConnection> {
  return connect({
    servers: target.url,
    token: target.token,
    user: target.user,
    pass: target.pass,
    name: 'rosey-cli',
    timeout: 3000,
    maxReconnectAttempts: 0,
  });
}

export function controlRequest(
  target: ControlTarget,
  verb: 'status' | 'stop' | 'ping',
  payload: unknown = {},
  timeoutMs = 5000,
): Promise<Result<unknown>> {
  return roseyRequest(target, subjects.control(verb), payload, timeoutMs);
}

/** One request to the running Rosey on any subject; an unreachable bus is a BUS_UNAVAILABLE result. */
export async function roseyRequest(
  target: ControlTarget,
  subject: string,
  payload: unknown = {},
  timeoutMs = 5000,
): Promise<Result<unknown>> {
  let nc;
  try {
    nc = await connectToRosey(target);
  } catch (error) {
    return {
      ok: false,
      error: {
        code: 'BUS_UNAVAILABLE',
        message: `cannot reach Rosey's NATS at ${redactUrl(target.url)}: ${errorMessage(error)}`,
      },
    };
  }
  try {
    return await request(nc, subject, payload, { timeoutMs });
  } finally {
    await nc.close();
  }
}
