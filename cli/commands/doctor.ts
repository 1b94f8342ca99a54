import { Flags } from '@oclif/core';
import { runDoctor, type CheckResult } from '../../app/doctor/run-doctor.js';
import { RoseyCommand } from '../base-command.js';
import { configFile, locationFlags } from '../config-flags.js';

const MARK: Record<CheckResult['status'], string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

export default class Doctor extends RoseyCommand {
  static override summary =
    'Check this setup: Node, nats-server, data directory, database, plugins, ports, CyTube, a running Rosey.';

  static override description = `Each check prints ✓ (fine), ! (works, but look), ✗ (broken) or - (skipped), with what to try for ! and ✗. Checks: the Node version; the configuration (every problem); nats-server on the PATH and its version (or the server nats.url names accepts connections); the data directory writable, with free disk; the database reachable and every plugin's migrations in order; every plugin manifest valid; http.port free (when http.enabled and Rosey is not running); the CyTube server answering for the channel (when configured; it does not log in); and a running Rosey answering with no failed actor. Exits 1 when any check is ✗.`;

  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json'];

  static override flags = {
    json: Flags.boolean({ description: 'Print the checks as JSON: [{check, status, detail, fix?}].' }),
    timeout: Flags.integer({
      description: 'How long a network check may take, in ms.',
      default: 5000,
      min: 100,
    }),
    ...locationFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Doctor);
    const results = await runDoctor(
      {
        file: configFile(flags),
        overrides: flags['data-dir'] ? { dataDir: flags['data-dir'] } : undefined,
      },
      flags.timeout,
    );
    const failures = results.filter((r) => r.status === 'fail').length;
    if (flags.json) this.log(JSON.stringify(results, null, 2));
    else {
      const width = Math.max(...results.map((r) => r.check.length));
      for (const r of results) {
        this.log(`${MARK[r.status]} ${r.check.padEnd(width)}  ${r.detail}`);
        if (r.fix) this.log(`  ${''.padEnd(width)}  → ${r.fix}`);
      }
    }
    if (failures > 0) this.fail(`${failures} check${failures === 1 ? '' : 's'} failed`);
  }
}
