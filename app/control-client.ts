import { connect, type NatsConnection } from '../contract/nats.js';
import { redactUrl } from '../actors/bus/connect.js';
import { request } from '../contract/request.js';
import type { z } from '../contract/zod.js';
import { err, errorMessage, ok, type Result } from '../contract/result.js';
import {
  readRuntimeFile,
  removeRuntimeFile,
  runtimeFilePath,
  type RuntimeInfo,
} from '../actors/control/runtime-file.js';

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

const targetOf = (info: RuntimeInfo): ControlTarget & { pid: number } => ({
  url: info.natsUrl,
  token: info.natsToken,
  user: info.natsUser,
  pass: info.natsPass,
  pid: info.pid,
});

/**
 * The Rosey running with its data in `dataDir`, as its runtime file says, with the configuration
 * file it was started with (`rosey restart`); nothing is removed.
 */
export function runningAt(
  dataDir: string,
): (ControlTarget & { pid: number; configFile?: string }) | undefined {
  const found = readRuntimeFile(dataDir);
  return found.kind === 'running'
    ? { ...targetOf(found.info), configFile: found.info.configFile }
    : undefined;
}

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
      return targetOf(found.info);
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

/** A connection to Rosey for several requests; the caller closes it. Unreachable: BUS_UNAVAILABLE. */
export async function reachRosey(target: ControlTarget): Promise<Result<NatsConnection>> {
  try {
    return ok(await connectToRosey(target));
  } catch (error) {
    return err(
      'BUS_UNAVAILABLE',
      `cannot reach Rosey's NATS at ${redactUrl(target.url)}: ${errorMessage(error)}`,
    );
  }
}

/**
 * One request to the running Rosey on any subject, its reply checked against `reply` (a schema of
 * contract/messages); an unreachable bus is a BUS_UNAVAILABLE result, a malformed reply INTERNAL.
 */
export async function roseyRequest<S extends z.ZodType>(
  target: ControlTarget,
  subject: string,
  payload: unknown,
  options: { reply: S; timeoutMs?: number },
): Promise<Result<z.output<S>>> {
  const connected = await reachRosey(target);
  if (!connected.ok) return connected;
  const nc = connected.data;
  try {
    return await request(nc, subject, payload, {
      timeoutMs: options.timeoutMs ?? 5000,
      reply: options.reply,
    });
  } finally {
    await nc.close();
  }
}
