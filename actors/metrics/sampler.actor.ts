import type { Stats } from '../../contract/nats.js';
import { fromCallback } from 'xstate';
import type { ProcessFigures } from '../../contract/messages/metrics.js';
import { processSampler } from '../../contract/process-figures.js';
import type { BusLink } from '../bus/bus-link.js';

export interface SamplerInput {
  link: BusLink;
  intervalMs: number;
}

export type SamplerEvent =
  | {
      type: 'metrics.tick';
      at: number;
      main: ProcessFigures;
      /** The current connection's counts (they start again from 0 on a new connection). */
      nats?: Stats & { connection: number };
    }
  | { type: 'metrics.reconnect' };

/**
 * The metrics actor's clock and its eyes on the main process: every `intervalMs` it reads CPU,
 * memory and event-loop delay (contract/process-figures.ts) and the NATS connection's counts, and
 * it reports each reconnect of the connection the bus actor holds. Its timer and the event-loop
 * histogram belong to it, so they end when the metrics actor stops.
 */
export const samplerActor = fromCallback<{ type: 'never' }, SamplerInput>(({ input, sendBack }) => {
  const sampler = processSampler();
  // A new connection object (a bus restart) starts its counts again; the number tells them apart.
  let connection = 0;
  let stopStatus: (() => void) | undefined;
  const unwatch = input.link.watch((nc) => {
    stopStatus?.();
    stopStatus = undefined;
    if (!nc) return;
    connection += 1;
    const statuses = nc.status()[Symbol.asyncIterator]();
    let stopped = false;
    stopStatus = () => {
      stopped = true;
      void statuses.return?.();
    };
    void (async () => {
      for (;;) {
        const next = await statuses.next().catch(() => ({ done: true as const, value: undefined }));
        if (next.done || stopped) return;
        if (next.value.type === 'reconnect') sendBack({ type: 'metrics.reconnect' });
      }
    })();
  });
  const tick = () => {
    const nc = input.link.connection;
    sendBack({
      type: 'metrics.tick',
      at: Date.now(),
      main: sampler.read(),
      ...(nc ? { nats: { ...nc.stats(), connection } } : {}),
    });
  };
  const timer = setInterval(tick, input.intervalMs);
  // The first sample at once: `rosey metrics` right after a start has figures to show.
  const first = setImmediate(tick);
  return () => {
    clearInterval(timer);
    clearImmediate(first);
    unwatch();
    stopStatus?.();
    sampler.stop();
  };
});
