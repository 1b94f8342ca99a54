import { Args, Flags } from '@oclif/core';
import { RoseyCommand } from '../base-command.js';
import { roseyRequest, runningAt } from '../../app/control-client.js';
import { restartReplySchema, stopReplySchema } from '../../contract/messages/control.js';
import { reloadReplySchema } from '../../contract/messages/plugins.js';
import { PLUGIN_NAME, subjects } from '../../contract/subjects.js';
import { isAlive } from '../../process/is-alive.js';
import { configFile, configFor, locationFlags, natsFlags, targetFor } from '../config-flags.js';
import { startDetached } from '../detached-start.js';
import { resolve } from 'node:path';

export default class Restart extends RoseyCommand {
  static override summary = 'Restart Rosey, a plugin (cold), or a stopped child of the supervision tree.';

  static override description = `Three forms:

\`rosey restart\` stops the running Rosey (as \`rosey stop\` does), waits for it to exit, and starts it again in the background with the same configuration file and data directory (as \`rosey start --detach\` does), then says the new pid once it is up. The configuration file is the one Rosey was started with (its runtime file records it), else --config; a Rosey started without one is not restarted. Environment variables (CYTUBE_PASSWORD, DATABASE_URL, …) come from this shell.

\`rosey restart PLUGIN\` is a plugin's cold restart (over rosey.control.plugin.restart): its process is stopped, even when it runs, and started again from its folder as a new generation, without the blue-green hand-over of \`rosey plugin reload\`; commands sent meanwhile wait for it. Answers once the new process has announced itself.

\`rosey restart PATH\` (a path of child ids as \`rosey status\` shows them: data/storage, plugins/dice/migrations; rosey/<id> for a child of the root) starts again a child that was stopped and kept by its supervisor, such as a transient child that finished or one terminated by hand (OTP restart_child, over rosey.control.restart); a running child is not restarted.

Exits 1 with the reason when Rosey is not running or the restart did not happen.`;

  static override examples = [
    '<%= config.bin %> restart',
    '<%= config.bin %> restart dice',
    '<%= config.bin %> restart plugins/quote-db/migrations',
    '<%= config.bin %> restart rosey/connectors',
  ];

  static override args = {
    target: Args.string({
      description: 'A plugin name (cold restart), or a child path; none: the whole Rosey.',
      required: false,
    }),
  };

  static override flags = {
    ...locationFlags,
    ...natsFlags,
    timeout: Flags.integer({
      helpValue: 'MS',
      description:
        'How long to wait for the plugin or child to be started, or for Rosey to stop and come up again, in milliseconds (35000 = 35 s).',
      default: 35_000,
      min: 100,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Restart);
    const fail: (message: string) => never = (message) => this.fail(message);
    if (args.target === undefined) return this.restartRosey(flags, fail);
    const target = targetFor(flags, fail);
    if (args.target.includes('/')) {
      const result = await roseyRequest(
        target,
        subjects.control('restart'),
        { path: args.target },
        { reply: restartReplySchema, timeoutMs: flags.timeout },
      );
      if (!result.ok) fail(result.error.message);
      this.log(`restarted ${result.data.restarted}`);
      return;
    }
    if (!PLUGIN_NAME.test(args.target))
      fail(
        `${args.target} is not a plugin name, nor a path of child ids (rosey status shows both; rosey restart --help)`,
      );
    const result = await roseyRequest(
      target,
      subjects.pluginControl('restart'),
      { plugin: args.target },
      { reply: reloadReplySchema, timeoutMs: flags.timeout },
    );
    if (!result.ok) fail(result.error.message);
    const { from, to, tookMs } = result.data;
    this.log(
      `restarted ${args.target} ${to.version}: generation ${from.generation} → ${to.generation}, serving again after ${tookMs} ms`,
    );
  }

  private async restartRosey(
    flags: { config?: string; 'data-dir'?: string; 'nats-url'?: string; timeout: number },
    fail: (message: string) => never,
  ): Promise<void> {
    const { dataDir } = configFor(flags, {}, fail);
    const running = runningAt(dataDir);
    if (!running)
      fail(`Rosey is not running with data in ${dataDir}: start it with \`rosey start --detach\``);
    const file = running.configFile ?? configFile(flags);
    if (file === undefined)
      fail(
        `Rosey (pid ${running.pid}) was started without a configuration file: stop it and start it as before`,
      );
    const stopped = await roseyRequest(
      targetFor(flags, fail),
      subjects.control('stop'),
      { reason: 'rosey restart' },
      { reply: stopReplySchema },
    );
    if (!stopped.ok) fail(`cannot stop Rosey: ${stopped.error.message}`);
    const old = stopped.data.pid;
    const deadline = Date.now() + flags.timeout;
    while (isAlive(old)) {
      if (Date.now() > deadline) fail(`Rosey (pid ${old}) is still running after ${flags.timeout} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const { pid, outFile } = await startDetached({
      file: resolve(file),
      dataDirFlag: resolve(dataDir),
      dataDir,
      readyTimeoutMs: flags.timeout,
      fail,
    });
    this.log(`Rosey restarted (pid ${old} → ${pid}); output in ${outFile}.`);
  }
}
