import type { AnyActorRef } from 'xstate';
import type { ChildRecord, SupervisorContext } from './supervisor-state.js';

export interface ChildLookup {
  /** The child's live actor, when it has one. */
  ref?: AnyActorRef;
  record: ChildRecord;
}

function supervisorSnapshot(
  ref: AnyActorRef,
): { context: SupervisorContext; children: Record<string, AnyActorRef | undefined> } | undefined {
  const snapshot = ref.getSnapshot() as { context?: unknown; children?: Record<string, AnyActorRef> };
  const context = snapshot.context;
  if (typeof context !== 'object' || context === null || !('records' in context)) return undefined;
  return { context: context as SupervisorContext, children: snapshot.children ?? {} };
}

/**
 * A supervisor's child by its spec id, following `path` down the tree (e.g. `['plugins', 'dice']`
 * from the root): its record and, while it runs, its actor, so a peer can send it requests such as
 * `supervisor.start_child`.
 */
export function findChild(root: AnyActorRef, path: readonly string[]): ChildLookup | undefined {
  let current: ChildLookup | undefined;
  let ref: AnyActorRef | undefined = root;
  for (const id of path) {
    const snapshot: ReturnType<typeof supervisorSnapshot> = ref ? supervisorSnapshot(ref) : undefined;
    const record: ChildRecord | undefined =
      snapshot && Object.hasOwn(snapshot.context.records, id) ? snapshot.context.records[id] : undefined;
    if (!snapshot || !record) return undefined;
    ref = record.actorId ? snapshot.children[record.actorId] : undefined;
    current = { ref, record };
  }
  return current;
}
