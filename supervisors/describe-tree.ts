import type { AnyActorRef } from 'xstate';
import type { ChildInfo } from './child-protocol.js';
import { describeExitWith } from './exit-reason.js';
import { isSupervisorContext, type ChildStatus, type SupervisorContext } from './supervisor-state.js';

/** One actor in `rosey status`. */
export interface TreeNode {
  id: string;
  kind: 'supervisor' | 'worker';
  /** Supervisor's view: running, restarting, failed, … */
  status: ChildStatus | 'running';
  /** The actor's own state when it is a state machine (e.g. `connected.up`). */
  state?: string;
  restarts: number;
  uptimeMs?: number;
  info?: ChildInfo;
  lastExit?: string;
  strategy?: string;
  children?: TreeNode[];
}

/** A state value in words: `connected.up`; the regions of a parallel state joined by `,`. */
export function stateText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => {
        const inner = stateText(v);
        return inner ? `${k}.${inner}` : k;
      })
      .join(',');
  }
  return undefined;
}

function supervisorChildren(
  context: SupervisorContext,
  children: Record<string, AnyActorRef | undefined>,
  now: number,
) {
  return context.order.flatMap((id): TreeNode[] => {
    const record = context.records[id];
    if (!record) return [];
    const ref = record.actorId ? children[record.actorId] : undefined;
    const live = record.status === 'running' || record.status === 'starting' || record.status === 'stopping';
    const node: TreeNode = {
      id,
      kind: record.spec.type,
      status: record.status,
      restarts: record.restarts,
    };
    if (live && record.startedAt !== undefined) node.uptimeMs = now - record.startedAt;
    if (record.info) node.info = record.info;
    if (record.lastExit) node.lastExit = describeExitWith(record.lastExit.reason, record.lastExit.failure);
    if (ref && live) {
      const snapshot = ref.getSnapshot() as {
        value?: unknown;
        context?: unknown;
        children?: Record<string, AnyActorRef>;
      };
      if (isSupervisorContext(snapshot.context)) {
        node.strategy = snapshot.context.dynamic ? 'dynamic one_for_one' : snapshot.context.strategy;
        node.state = stateText(snapshot.value);
        node.children = supervisorChildren(snapshot.context, snapshot.children ?? {}, now);
      } else {
        node.state = stateText(snapshot.value);
      }
    }
    return [node];
  });
}

/** The live supervision tree under `root`, read from the actors' snapshots. */
export function describeTree(root: AnyActorRef, rootId = 'rosey', now = Date.now()): TreeNode {
  const snapshot = root.getSnapshot() as {
    value?: unknown;
    context?: unknown;
    children?: Record<string, AnyActorRef>;
  };
  if (!isSupervisorContext(snapshot.context)) throw new Error('root actor is not a supervisor');
  return {
    id: rootId,
    kind: 'supervisor',
    status: 'running',
    state: stateText(snapshot.value),
    strategy: snapshot.context.strategy,
    restarts: 0,
    children: supervisorChildren(snapshot.context, snapshot.children ?? {}, now),
  };
}

/** The node with this id anywhere in a tree (depth first), as `rosey status --json` prints it. */
export function findNode<T extends { id: string; children?: T[] }>(node: T, id: string): T | undefined {
  return node.id === id ? node : (node.children ?? []).map((c) => findNode(c, id)).find(Boolean);
}
