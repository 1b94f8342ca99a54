import type { Step } from './supervisor-state.js';

/**
 * The plan a supervisor starts with. OTP starts the children one after another, each fully started
 * before the next, since a later static child may depend on an earlier one. A dynamic supervisor's
 * children are independent of each other (Elixir's DynamicSupervisor), so with `concurrent` they are
 * all started at once: with one OS process per plugin, waiting for each in turn made the start the
 * sum of every plugin's start instead of the slowest one's.
 */
export function initialPlan(order: readonly string[], concurrent: boolean): Step[] {
  if (concurrent) return order.length === 0 ? [] : [{ op: 'start', ids: [...order] }];
  return order.map((id) => ({ op: 'start' as const, ids: [id] }));
}

/** Whether `step` is (among other things) starting the child `id`. */
export function startsChild(step: Step | undefined, id: string): boolean {
  return step?.op === 'start' && step.ids.includes(id);
}
