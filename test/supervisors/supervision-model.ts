import type { RestartType } from '../../supervisors/exit-reason.js';
import type { Strategy } from '../../supervisors/strategy.js';

/**
 * A reference model of an OTP supervisor's restart decisions, written from
 * ../shared/supervision-semantics.md and nothing of Rosey's code: children that stop at once when
 * asked and start at once, no backoff. The property test drives it and Rosey's supervisor with the
 * same crash sequence and compares them after every step.
 */
export interface ModelChild {
  id: string;
  restart: RestartType;
  running: boolean;
  /** Times started again after the first start. */
  restarts: number;
}

export interface ModelState {
  children: ModelChild[];
  /** add_restart's list: whole seconds, newest first. */
  restarts: number[];
  gaveUp: boolean;
}

export interface ModelConfig {
  strategy: Strategy;
  intensity: number;
  period: number;
  children: { id: string; restart: RestartType }[];
}

export function initialModel(config: ModelConfig): ModelState {
  return {
    children: config.children.map((c) => ({ ...c, running: true, restarts: 0 })),
    restarts: [],
    gaveUp: false,
  };
}

/** The child `id` exits with a crash or normally at monotonic time `nowMs`. */
export function exitChild(
  config: ModelConfig,
  state: ModelState,
  id: string,
  crash: boolean,
  nowMs: number,
): ModelState {
  const index = state.children.findIndex((c) => c.id === id);
  const child = state.children[index];
  if (state.gaveUp || !child?.running) return state;
  const children = state.children.map((c) => ({ ...c }));
  const dead = children[index]!;
  // Restart types: permanent always, transient only after a crash, temporary never (and forgotten).
  const restart = dead.restart === 'permanent' || (dead.restart === 'transient' && crash);
  if (!restart) {
    if (dead.restart === 'temporary') children.splice(index, 1);
    else dead.running = false;
    return { ...state, children };
  }
  // add_restart: whole seconds, keep T >= Now - Period, give up when more than intensity remain.
  const now = Math.floor(nowMs / 1000);
  const restarts = [now, ...state.restarts.filter((t) => t >= now - config.period)];
  if (restarts.length > config.intensity) {
    return { children: children.map((c) => ({ ...c, running: false })), restarts, gaveUp: true };
  }
  const affected =
    config.strategy === 'one_for_one'
      ? [dead]
      : config.strategy === 'one_for_all'
        ? children
        : children.slice(index);
  // Temporary siblings are stopped and forgotten; every other affected child starts again.
  const forgotten = new Set(affected.filter((c) => c !== dead && c.restart === 'temporary'));
  for (const c of affected) {
    if (forgotten.has(c)) continue;
    c.running = true;
    c.restarts += 1;
  }
  return { children: children.filter((c) => !forgotten.has(c)), restarts, gaveUp: false };
}
