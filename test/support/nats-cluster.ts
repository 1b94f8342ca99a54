import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dieWithParent } from '../../process/parent-death.js';
import { findFreePort } from '../../process/free-port.js';
import { exitOf, terminate, type ProcessExit } from '../../process/process-exit.js';
import { tempDir } from './nats.js';

/** One server of a test NATS cluster: clients on `url`, its monitoring endpoint on `httpPort`. */
export interface ClusterServer {
  name: string;
  url: string;
  port: number;
  clusterPort: number;
  httpPort: number;
  process?: ChildProcess;
  exited?: Promise<ProcessExit>;
}

export interface NatsCluster {
  servers: ClusterServer[];
  urls: string[];
  /** `kill -9` of one server. */
  kill(name: string): Promise<void>;
  /** Starts a killed server again, on its ports, and waits for its routes. */
  restart(name: string): Promise<void>;
  /** The client names connected to one server (its `/connz`). */
  clients(name: string): Promise<string[]>;
  stop(): Promise<void>;
}

async function monitor(server: ClusterServer, path: string): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${server.httpPort}/${path}`);
  return response.json();
}

/**
 * Several nats-servers on loopback, routed to each other as an operator's cluster is (each lists
 * every other's cluster port as a route): the seeds Rosey nodes join. Resolves once every server
 * has a route to every other one.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir = tempDir('rosey-nats-cluster-');
  const servers: ClusterServer[] = [];
  for (let i = 0; i < size; i++) {
    const port = await findFreePort();
    servers.push({
      name: `n${i + 1}`,
      url: `nats://127.0.0.1:${port}`,
      port,
      clusterPort: await findFreePort(),
      httpPort: await findFreePort(),
    });
  }

  const launch = async (server: ClusterServer) => {
    const file = join(dir, `${server.name}.conf`);
    const routes = servers
      .filter((s) => s !== server)
      .map((s) => `"nats-route://127.0.0.1:${s.clusterPort}"`);
    writeFileSync(
      file,
      [
        `server_name: "${server.name}"`,
        `listen: "127.0.0.1:${server.port}"`,
        `http: "127.0.0.1:${server.httpPort}"`,
        `cluster { name: "rosey-test", listen: "127.0.0.1:${server.clusterPort}", routes: [${routes.join(', ')}] }`,
      ].join('\n') + '\n',
    );
    const { command, args } = dieWithParent('nats-server', ['-c', file]);
    const child = spawn(command, args, { stdio: 'ignore' });
    server.process = child;
    server.exited = exitOf(child);
  };

  const routed = async (server: ClusterServer) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const routez = (await monitor(server, 'routez')) as { num_routes?: number };
        if ((routez.num_routes ?? 0) >= servers.filter((s) => s.process).length - 1) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`nats-server ${server.name} has no routes to the others`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const find = (name: string) => {
    const server = servers.find((s) => s.name === name);
    if (!server) throw new Error(`no server ${name}`);
    return server;
  };

  for (const server of servers) await launch(server);
  for (const server of servers) await routed(server);

  return {
    servers,
    urls: servers.map((s) => s.url),
    kill: async (name) => {
      const server = find(name);
      server.process?.kill('SIGKILL');
      await server.exited;
      server.process = undefined;
    },
    restart: async (name) => {
      const server = find(name);
      await launch(server);
      await routed(server);
    },
    clients: async (name) => {
      const connz = (await monitor(find(name), 'connz')) as { connections?: { name?: string }[] };
      return (connz.connections ?? []).map((c) => c.name ?? '');
    },
    stop: async () => {
      await Promise.all(
        servers.map(async (s) => {
          if (s.process) await terminate(s.process, 2000);
          s.process = undefined;
        }),
      );
    },
  };
}
