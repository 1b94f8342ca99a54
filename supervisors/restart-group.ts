import type { Strategy } from './strategy.js';

/**
 * Which children a crash of `failedId` takes down and brings back, per OTP:
 *  - one_for_one: just the failed child;
 *  - one_for_all: every other child is stopped, then all are started again;
 *  - rest_for_one: the children started after the failed one are stopped, then it and they restart.
 * `stop` is in reverse start order; `start` in start order. Temporary siblings are stopped but not
 * restarted (the supervisor forgets them once stopped, as OTP does). The caller decides whether the failed child itself restarts.
 */
export interface RestartGroup {
  stop: string[];
  start: string[];
}

export function restartGroup(
  strategy: Strategy,
  order: readonly string[],
  failedId: string,
  isTemporary: (id: string) => boolean,
): RestartGroup {
  const index = order.indexOf(failedId);
  if (index < 0) throw new Error(`unknown child '${failedId}'`);
  let affected: string[];
  switch (strategy) {
    case 'one_for_one':
      affected = [failedId];
      break;
    case 'one_for_all':
      affected = [...order];
      break;
    case 'rest_for_one':
      affected = order.slice(index);
      break;
  }
  const siblings = affected.filter((id) => id !== failedId);
  return {
    stop: [...siblings].reverse(),
    start: affected.filter((id) => id === failedId || !isTemporary(id)),
  };
}
