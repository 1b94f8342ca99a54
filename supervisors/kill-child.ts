import type { AnyActorRef } from 'xstate';
import type { ChildExitEvent } from './child-protocol.js';
import { isSupervisorContext } from './supervisor-state.js';

type Snapshot = { context?: unknown; children?: Record<string, AnyActorRef | undefined> };

/**
 * OTP's `exit(Child, kill)` for a child named by its path of ids below `root` (`['data', 'storage']`):
 * its supervisor sees it crash with `reason` and does what it does with any crash — stop it (its
 * cleanup runs), restart it by its strategy, count it against the restart intensity. Fault injection
 * for the chaos suite and for an operator who wants a stuck child replaced; returns why not otherwise.
 */
export function killChild(
  root: AnyActorRef,
  path: string[],
  reason: string,
): { ok: true } | { ok: false; why: string } {
  let supervisor = root;
  for (const [depth, id] of path.entries()) {
    const snapshot = supervisor.getSnapshot() as Snapshot;
    if (!isSupervisorContext(snapshot.context))
      return { ok: false, why: `${path.slice(0, depth).join('/')} is not a supervisor` };
    const record = snapshot.context.records[id];
    const ref = record?.actorId ? snapshot.children?.[record.actorId] : undefined;
    if (!record || !ref) return { ok: false, why: `no running child ${path.slice(0, depth + 1).join('/')}` };
    if (record.status !== 'running')
      return { ok: false, why: `${path.slice(0, depth + 1).join('/')} is ${record.status}` };
    if (depth === path.length - 1) {
      const exit: ChildExitEvent = { type: 'rosey.child.exit', id: ref.id, reason: { error: reason } };
      supervisor.send(exit);
      return { ok: true };
    }
    supervisor = ref;
  }
  return { ok: false, why: 'an empty path names no child' };
}
