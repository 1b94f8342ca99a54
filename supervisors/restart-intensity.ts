/**
 * OTP's `add_restart`: keep the restart timestamps inside the last `period`, add `now`, and report the
 * intensity as exceeded when more than `intensity` remain. Intensity 0 therefore means the first
 * restart already exceeds it. The check is done before each restart attempt, never after.
 */
export interface IntensityCheck {
  log: number[];
  exceeded: boolean;
}

export function addRestart(
  log: readonly number[],
  now: number,
  intensity: number,
  periodMs: number,
): IntensityCheck {
  const windowStart = now - periodMs;
  const kept = [now, ...log.filter((t) => t > windowStart)];
  return { log: kept, exceeded: kept.length > intensity };
}
