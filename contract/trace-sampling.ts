/**
 * Head sampling: which traces are recorded. The decision is made once, where a trace starts (a chat
 * line's first span, or any span with no parent), from its trace id; every later span follows its
 * parent's decision, carried in the traceparent's `sampled` flag across processes. So a trace is
 * recorded whole or not at all, in every process, without the processes agreeing on anything but
 * the ratio (OpenTelemetry's `parentbased_traceidratio` sampler does the same).
 */

/** The W3C traceparent flags of a recorded span and of one that is not. */
export const SAMPLED_FLAGS = '01';
export const NOT_SAMPLED_FLAGS = '00';

/** Whether `value` can be a sample ratio: a number from 0 to 1 (not NaN, which every comparison refuses). */
export function isSampleRatio(value: number): boolean {
  return value >= 0 && value <= 1;
}

/** Whether W3C trace flags (two hex digits) have the `sampled` bit set. */
export function flagsSampled(flags: string): boolean {
  return (Number.parseInt(flags, 16) & 1) === 1;
}

/**
 * The trace id's rightmost 52 bits, read as a fraction of 2^52, are uniform in [0, 1): 52 bits, the
 * most a double holds exactly, of the 56 that W3C Trace Context level 2 asks to be random.
 */
const RANDOM_HEX_DIGITS = 13;
const RANDOM_RANGE = 2 ** 52;

/**
 * Whether a new trace with this id is recorded at `ratio` (0 to 1): from the id's random low bits
 * (Rosey makes the whole id random), so the same answer for the same trace in every process, and
 * about `ratio` of all traces; none at 0 (the fraction is never below 0), all at 1 (always below 1).
 */
export function sampledAtRatio(traceId: string, ratio: number): boolean {
  return Number.parseInt(traceId.slice(-RANDOM_HEX_DIGITS), 16) / RANDOM_RANGE < ratio;
}
