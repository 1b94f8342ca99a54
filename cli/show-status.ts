import { reachRosey } from '../app/control-client.js';
import { statusReplySchema } from '../contract/messages/control.js';
import { currentMetricsSchema } from '../contract/messages/metrics.js';
import { request } from '../contract/request.js';
import { subjects } from '../contract/subjects.js';
import type { CommandIo } from './command-io.js';
import { targetFor } from './config-target.js';
import { withFigures } from './format-metrics.js';
import { formatStatus } from './format-status.js';

/** The flags of `rosey status` (cli/commands/status.ts declares them for oclif). */
export interface StatusFlags {
  json?: boolean;
  config?: string;
  'data-dir'?: string;
  'nats-url'?: string;
  timeout: number;
}

/**
 * `rosey status`: the running Rosey's supervision tree with each process's CPU and memory. Run by
 * the oclif command and, without oclif, by the fast path (cli/fast-path.ts).
 */
export async function showStatus(flags: StatusFlags, io: CommandIo): Promise<void> {
  const fail: (message: string) => never = io.fail;
  const target = targetFor(flags, fail);
  const connected = await reachRosey(target);
  if (!connected.ok) fail(`cannot get Rosey's status: ${connected.error.message}`);
  const nc = connected.data;
  try {
    // Both at once on one connection: the figures must not make `rosey status` slower.
    const [result, figures] = await Promise.all([
      request(nc, subjects.control('status'), {}, { reply: statusReplySchema, timeoutMs: flags.timeout }),
      request(nc, subjects.metricsCurrent, {}, { reply: currentMetricsSchema, timeoutMs: flags.timeout }),
    ]);
    if (!result.ok) fail(`cannot get Rosey's status: ${result.error.message}`);
    // CPU and memory per process from the metrics actor; the tree alone when it cannot say (restarting).
    const data = figures.ok
      ? { ...result.data, tree: withFigures(result.data.tree, figures.data) }
      : result.data;
    io.log(flags.json ? JSON.stringify(data, null, 2) : formatStatus(data));
  } finally {
    await nc.close();
  }
}
