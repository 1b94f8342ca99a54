/**
 * What the connector counts, for `rosey status` and the state subject. A line that could not be
 * sent is never silently lost: it is logged and counted in one of these.
 */
export interface Counters {
  /** Server events received. */
  received: number;
  /** Server events ignored because their payload did not have the expected shape. */
  invalid: number;
  /** Lines and playlist actions sent to the server. */
  sent: number;
  /** Of those, how many had to wait for the flood limit. */
  deferred: number;
  /** `cooldown` answers: the server dropped a line despite the pacing. */
  serverDrops: number;
  /** Lines sent again after a server drop. */
  resent: number;
  /** Refused before sending: the bot's rank or mute does not allow it. */
  refused: number;
  /** Given up: too old, queue full, dropped repeatedly, or the connector halted. */
  dropped: number;
  /** The server refused to deliver (PM to someone absent, muted). */
  failed: number;
  reconnects: number;
}

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
