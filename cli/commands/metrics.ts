import { Flags } from '@oclif/core';
import { roseyRequest } from '../../app/control-client.js';
import { currentMetricsSchema } from '../../contract/messages/metrics.js';
import { subjects } from '../../contract/subjects.js';
import { RoseyCommand } from '../base-command.js';
import { answerTimeoutFlags, locationFlags, natsFlags, targetFor } from '../config-flags.js';
import { formatMetrics } from '../format-metrics.js';

export default class Metrics extends RoseyCommand {
  static override summary = "Show Rosey's current figures: CPU and memory per process, counters.";

  static override description = `Asks the running Rosey's metrics actor (over rosey.metrics.current) for its latest sample: CPU, memory and event-loop delay of the main process and of every plugin process, connectors and their queues, and the counters since the metrics actor started (chat lines, commands by outcome, errors by code, storage requests, restarts). For people without Prometheus; the same figures are on the HTTP endpoint when http.enabled is set (docs/metrics.md). Exits 1 when Rosey is not running.`;

  static override examples = ['<%= config.bin %> metrics', '<%= config.bin %> metrics --json'];

  static override flags = {
    json: Flags.boolean({ description: 'Print the figures as JSON (the rosey.metrics.current reply).' }),
    ...locationFlags,
    ...natsFlags,
    ...answerTimeoutFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Metrics);
    const fail: (message: string) => never = (message) => this.fail(message);
    const target = targetFor(flags, fail);
    const result = await roseyRequest(
      target,
      subjects.metricsCurrent,
      {},
      { reply: currentMetricsSchema, timeoutMs: flags.timeout },
    );
    if (!result.ok) fail(`cannot get Rosey's metrics: ${result.error.message}`);
    this.log(flags.json ? JSON.stringify(result.data, null, 2) : formatMetrics(result.data));
  }
}
