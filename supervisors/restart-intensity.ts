/**
 * OTP's `add_restart`: restart times are whole seconds of a monotonic clock
 * (`erlang:monotonic_time(second)`); a restart at `T` stays in the window while `T >= Now - Period`;
 * `Now` is added and the intensity is exceeded when more than `intensity` remain. Intensity 0
 * therefore means the first restart already exceeds it. Whole seconds on both sides make the window
 * one second wider than it looks: with period 2 s, restarts at 0.0 s and 2.5 s are both inside it.
 */
export interface IntensityCheck {
  /** Restart times in whole seconds, newest first. */
  log: number[];
  exceeded: boolean;
}

/** A monotonic time in ms as OTP's `monotonic_time(second)` would read it. */
export const wholeSeconds = (ms: number): number => Math.floor(ms / 1000);

export function addRestart(
  log: readonly number[],
  nowMs: number,
  intensity: number,
  periodSeconds: number,
): IntensityCheck {
  const now = wholeSeconds(nowMs);
  const threshold = now - periodSeconds;
  const kept = [now, ...log.filter((t) => t >= threshold)];
  return { log: kept, exceeded: kept.length > intensity };
}
