import { Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { roseyRequest } from '../../app/control-client.js';
import { stopReplySchema } from '../../contract/messages/control.js';
import { subjects } from '../../contract/subjects.js';
import { isAlive } from '../../process/is-alive.js';
import { locationFlags, natsFlags, targetFor } from '../config-flags.js';

export default class Stop extends RoseyCommand {
  static override summary = 'Stop the running Rosey gracefully.';

  static override description = `Asks the running Rosey (over rosey.control.stop) to shut down: connectors first, then plugins (in-flight commands finish), services, storage and the migrator, and the bus and nats-server last. Waits until the process has exited. Exits 1 when Rosey is not running or does not stop in time.`;

  static override examples = ['<%= config.bin %> stop', '<%= config.bin %> stop --data-dir /var/lib/rosey'];

  static override flags = {
    ...locationFlags,
    ...natsFlags,
    timeout: Flags.integer({
      helpValue: 'MS',
      description: 'How long to wait for Rosey to exit, in milliseconds (30000 = 30 s).',
      default: 30_000,
      min: 100,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Stop);
    const fail: (message: string) => never = (message) => this.fail(message);
    const target = targetFor(flags, fail);
    const result = await roseyRequest(
      target,
      subjects.control('stop'),
      { reason: 'rosey stop' },
      { reply: stopReplySchema },
    );
    if (!result.ok) fail(`cannot stop Rosey: ${result.error.message}`);
    const { pid } = result.data;
    const deadline = Date.now() + flags.timeout;
    while (pid !== undefined && isAlive(pid)) {
      if (Date.now() > deadline)
        fail(`Rosey (pid ${pid}) is still running after ${flags.timeout} ms (--timeout is in milliseconds)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.log(pid === undefined ? 'Rosey is stopping.' : `Rosey stopped (pid ${pid}).`);
  }
}
