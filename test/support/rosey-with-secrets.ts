import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '../../contract/nats.js';
import type { ZodType } from '../../contract/zod.js';
import { connectToRosey, runningAt } from '../../app/control-client.js';
import { request } from '../../contract/request.js';
import { isAlive, runCli } from './cli.js';
import { tempDir } from './nats.js';

export const CYTUBE_PASSWORD = 'cytube-pass-98765';
export const HTTP_TOKEN = 'sekrit-http-token-12345';

/**
 * A real Rosey (`rosey start --detach`: the whole tree, the embedded nats-server, the built-in
 * plugins, the HTTP endpoint with `http.token`, and a CyTube connector retrying an address nobody
 * answers) whose config holds secrets a leak would show (`HTTP_TOKEN`, `CYTUBE_PASSWORD`), with a
 * NATS connection as the CLI makes it. The inspection and dashboard suites watch it.
 */
export async function startRoseyWithSecrets() {
  const cwd = tempDir();
  writeFileSync(
    join(cwd, 'rosey.yaml'),
    [
      'http:',
      '  enabled: true',
      '  port: 0',
      `  token: ${HTTP_TOKEN}`,
      'plugins:',
      '  reload:',
      '    graceMs: 200',
      'platforms:',
      '  cytube:',
      // Nobody listens there: the connector keeps going round discovering → backingOff.
      '    server: http://127.0.0.1:9',
      '    channel: test',
      `    password: ${CYTUBE_PASSWORD}`,
      '    reconnect: { minMs: 100, maxMs: 200 }',
      '',
    ].join('\n'),
  );
  const launched = await runCli(['start', '--detach'], { cwd });
  expect(launched.code, launched.stderr).to.equal(0);
  const pid = Number(/pid (\d+)/.exec(launched.stdout)![1]);
  const target = runningAt(join(cwd, 'data')) ?? expect.fail('no runtime file');
  const nc: NatsConnection = await connectToRosey(target);
  return {
    cwd,
    pid,
    nc,
    /** A request to the running Rosey whose reply must be ok and match `reply`. */
    ask: async <T>(subject: string, data: unknown, reply: ZodType<T>): Promise<T> => {
      const result = await request(nc, subject, data, { reply, timeoutMs: 5000 });
      if (!result.ok) throw new Error(`${subject}: ${result.error.message}`);
      return result.data;
    },
    /** `rosey stop`, then SIGKILL if it is still there. */
    stop: async () => {
      await nc.close();
      if (isAlive(pid)) {
        await runCli(['stop'], { cwd });
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
    },
  };
}
