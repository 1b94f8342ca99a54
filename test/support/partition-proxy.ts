import { createConnection, createServer, type Socket } from 'node:net';
import { findFreePort } from '../../process/free-port.js';

/**
 * A TCP proxy on loopback that can cut a client off from its server the way a network partition
 * does: nothing gets through any more, yet no socket closes (no FIN, no RST), so the client only
 * finds out by its own timeouts. `serverGivesUp()` then closes the server's side, as the server
 * does once its keepalives to the silent peer go unanswered.
 */
export interface PartitionProxy {
  port: number;
  partition(): void;
  serverGivesUp(): void;
  close(): Promise<void>;
}

export async function startPartitionProxy(target: { host: string; port: number }): Promise<PartitionProxy> {
  const port = await findFreePort();
  let partitioned = false;
  const pairs = new Set<{ client: Socket; server?: Socket }>();
  const proxy = createServer((client) => {
    const pair: { client: Socket; server?: Socket } = { client };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.server?.destroy();
      pairs.delete(pair);
    });
    // During the partition a new connection is taken and left hanging, as a SYN lost on the way.
    if (partitioned) return;
    const server = createConnection(target);
    pair.server = server;
    server.on('error', () => client.destroy());
    server.on('close', () => {
      if (!partitioned) client.destroy();
    });
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  return {
    port,
    partition: () => {
      partitioned = true;
      for (const { client, server } of pairs) {
        client.unpipe();
        server?.unpipe();
        client.pause();
        server?.pause();
      }
    },
    serverGivesUp: () => {
      for (const pair of pairs) pair.server?.destroy();
    },
    close: async () => {
      for (const { client, server } of pairs) {
        client.destroy();
        server?.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
