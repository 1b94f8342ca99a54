import type { Counters } from '../../contract/messages/connector-state.js';

export type { Counters };

export const emptyCounters = (): Counters => ({
  received: 0,
  invalid: 0,
  sent: 0,
  deferred: 0,
  serverDrops: 0,
  resent: 0,
  refused: 0,
  dropped: 0,
  failed: 0,
  reconnects: 0,
});
