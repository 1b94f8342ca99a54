import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '../../contract/nats.js';
import { startNatsServer, type NatsServerHandle } from '../../actors/nats-server/nats-server-process.js';

export function tempDir(prefix = 'rosey-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real nats-server for a test file, started with the same helper the nats-server actor uses. */
export function useNatsServer(): { readonly server: NatsServerHandle; readonly url: string } {
  const state: { server?: NatsServerHandle } = {};
  before(async () => {
    state.server = await startNatsServer({ dir: tempDir('rosey-nats-') });
  });
  after(async () => {
    await state.server?.stop(2000);
  });
  return {
    get server() {
      if (!state.server) throw new Error('nats-server not started');
      return state.server;
    },
    get url() {
      if (!state.server) throw new Error('nats-server not started');
      return state.server.url;
    },
  };
}

/** A plain client connection for a test to play the other side. */
export async function client(url: string): Promise<NatsConnection> {
  return connect({ servers: url, name: 'test-client' });
}

/** Resolves when `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
