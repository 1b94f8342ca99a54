import type { BridgeCommand } from '../bus/bridge.actor.js';
import type { ConfirmedPublisherCommand } from '../bus/confirmed-publisher.actor.js';
import type { TallyEvent } from '../tally/tally.js';
import type { CytubeContext } from './context.js';

/**
 * What handling one event decided, for the machine to carry out: context changes, bus traffic,
 * socket emits, log lines and internal events. Keeping the decisions pure keeps them testable and
 * the machine a list of transitions.
 */
export interface Step {
  patch: Partial<CytubeContext>;
  bus: BridgeCommand[];
  /** Chat lines for the router: published until the NATS server confirms them (they must not vanish). */
  deliver: ConfirmedPublisherCommand[];
  socket: Array<{ name: string; data?: unknown }>;
  log: Array<{ level: 'info' | 'warn' | 'error'; msg: string }>;
  raise: Array<{ event: { type: string }; delay?: number; id?: string }>;
  cancel: string[];
  /** What the metrics actor is told (actors/tally): the lines taken to send. */
  told: TallyEvent[];
}

export const emptyStep = (): Step => ({
  patch: {},
  bus: [],
  deliver: [],
  socket: [],
  log: [],
  raise: [],
  cancel: [],
  told: [],
});
