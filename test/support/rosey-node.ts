import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, runCli } from './cli.js';
import type { FakeCytube } from './fake-cytube/index.js';
import { tempDir } from './nats.js';

/** One Rosey node of a test cluster, a real `rosey start --detach --node NAME` process. */
export interface RoseyNode {
  name: string;
  dir: string;
  configFile: string;
  pid: number;
  /** `rosey <args> --config <its file>`. */
  cli(args: string[]): ReturnType<typeof runCli>;
  /** `kill -9`. */
  kill(): void;
  /** `rosey stop`, or kill -9 when that fails; idempotent. */
  stop(): Promise<void>;
}

/**
 * The `platforms` block of every node in a test cluster: the fake CyTube server's `testchan` as
 * `testbot`, reconnecting fast so a standby's turn is not spent in backoff.
 */
export const clusterCytube = (server: string) => ({
  cytube: {
    server,
    channel: 'testchan',
    username: 'testbot',
    password: 'botpass123',
    reconnect: { minMs: 100, maxMs: 1000 },
  },
});

/** How many times the cluster's bot is in `testchan`'s user list (one bot in the channel: never 2). */
export const botsInChannel = (cytube: FakeCytube) =>
  cytube
    .channel('testchan')
    .users()
    .filter((u) => u.name.toLowerCase() === 'testbot').length;

/**
 * Starts a node with its own data directory on the shared PostgreSQL database and the NATS cluster
 * (`config` is merged into the generated rosey.json). Resolves once `rosey start --detach` says it
 * is up, with its pid.
 */
export async function startRoseyNode(o: {
  name: string;
  databaseUrl: string;
  clusterUrls: string[];
  config?: Record<string, unknown>;
}): Promise<RoseyNode> {
  const dir = tempDir(`rosey-node-${o.name}-`);
  const configFile = join(dir, 'rosey.json');
  const { cluster, ...rest } = o.config ?? {};
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir: 'data',
      database: { url: o.databaseUrl },
      cluster: { urls: o.clusterUrls, heartbeatMs: 250, ...(cluster as object | undefined) },
      ...rest,
    }),
  );
  const cli = (args: string[]) => runCli([...args, '--config', configFile], { cwd: dir, timeoutMs: 60_000 });
  const started = await cli(['start', '--detach', '--node', o.name, '--ready-timeout', '60000']);
  if (started.code !== 0) throw new Error(`node ${o.name} did not start: ${started.stderr}${started.stdout}`);
  const pid = Number(readFileSync(join(dir, 'data', 'rosey.pid'), 'utf8').trim());
  return {
    name: o.name,
    dir,
    configFile,
    pid,
    cli,
    kill: () => {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    },
    stop: async () => {
      if (!isAlive(pid)) return;
      await cli(['stop']);
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}
