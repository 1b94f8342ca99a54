import type { AnyStateMachine, AnyTransitionDefinition, StateNode } from 'xstate';
import type { ChartNode, ChartTransition } from '../../contract/messages/inspect.js';

type AnyStateNode = StateNode<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- any machine's nodes

/**
 * A guard as the chart names it: its registered name; `and`, `or` and `not` spelled out with the
 * guards they combine; an inline one as such.
 */
function guardName(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const parts = (guard as { guards?: unknown }).guards;
    if (Array.isArray(parts) && ['and', 'or', 'not'].includes(guard.name)) {
      const names = parts.map((g) => guardName(g) ?? 'guard');
      if (guard.name === 'not') return `!${names[0]}`;
      return `(${names.join(guard.name === 'and' ? ' && ' : ' || ')})`;
    }
    // An inline guard is named after the property it was written in (`guard`), if anything.
    return guard.name && guard.name !== 'guard' ? guard.name : 'inline guard';
  }
  if (typeof guard === 'object' && guard !== null && 'type' in guard && typeof guard.type === 'string')
    return guard.type;
  return 'guard';
}

function transition(event: string, t: AnyTransitionDefinition): ChartTransition {
  const guard = guardName(t.guard);
  return { event, targets: (t.target ?? []).map((node) => node.id), ...(guard ? { guard } : {}) };
}

function chartNode(node: AnyStateNode): ChartNode {
  const transitions: ChartTransition[] = [];
  for (const [event, list] of node.transitions) for (const t of list) transitions.push(transition(event, t));
  for (const t of node.always ?? []) transitions.push(transition('', t));
  const initial = node.type === 'compound' ? node.initial.target[0]?.key : undefined;
  return {
    id: node.id,
    key: node.key,
    type: node.type,
    ...(initial ? { initial } : {}),
    transitions,
    states: Object.values(node.states).map((child) => chartNode(child)),
  };
}

/**
 * A machine as a chart: its state nodes nested as they are, each with its transitions (event,
 * guard name, target node ids). Eventless transitions have the event `''`; delayed ones and
 * invoked actors' results keep XState's event names (`xstate.after.<delay>.<node>`,
 * `xstate.done.actor.<id>`), which a chart may write shorter.
 */
export function machineChart(machine: AnyStateMachine): ChartNode {
  return chartNode(machine.root);
}

/** Ids of the nodes a state value is in, outermost first (every region of a parallel node). */
export function activeNodeIds(root: ChartNode, value: unknown): string[] {
  const out: string[] = [root.id];
  const visit = (node: ChartNode, v: unknown) => {
    if (typeof v === 'string') {
      const child = node.states.find((s) => s.key === v);
      if (child) out.push(child.id);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    for (const [key, inner] of Object.entries(v)) {
      const child = node.states.find((s) => s.key === key);
      if (!child) continue;
      out.push(child.id);
      visit(child, inner);
    }
  };
  visit(root, value);
  return out;
}
