import { reachRosey } from '../app/control-client.js';
import { statusReplySchema } from '../contract/messages/control.js';
import { currentMetricsSchema } from '../contract/messages/metrics.js';
import { request } from '../contract/request.js';
import { subjects } from '../contract/subjects.js';
import type { CommandIo } from './command-io.js';
import { targetFor } from './config-target.js';
import { withFigures } from './format-metrics.js';
import { formatStatus } from './format-status.js';
import { formatClusterStatus } from './format-cluster-status.js';
import { clusterStatusReplySchema } from '../contract/messages/cluster.js';

/** The flags of `rosey status` (cli/commands/status.ts declares them for oclif). */
export interface StatusFlags {
  json?: boolean;
  config?: string;
  'data-dir'?: string;
  'nats-url'?: string;
  timeout: number;
  /** Every node of the cluster (`rosey status --cluster`); only oclif takes it, not the fast path. */
  cluster?: boolean;
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
  if (flags.cluster) {
    try {
      const result = await request(
        nc,
        subjects.clusterControl('status'),
        {},
        {
          reply: clusterStatusReplySchema,
          timeoutMs: flags.timeout,
        },
      );
      if (!result.ok)
        fail(
          result.error.code === 'NO_RESPONDERS'
            ? 'this Rosey is not a node of a cluster (node.name and cluster.urls: docs/guides/SCALING.md)'
            : `cannot get the cluster's status: ${result.error.message}`,
        );
      io.log(flags.json ? JSON.stringify(result.data, null, 2) : formatClusterStatus(result.data));
    } finally {
      await nc.close();
    }
    return;
  }
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
