import type { AnyActorRef } from 'xstate';
import { findChild } from './child-ref.js';
import { isSupervisorContext, type RestartChildEvent } from './supervisor-state.js';

/**
 * OTP's `restart_child` for a child named by its path of ids below `root` (`['connectors',
 * 'cytube']`): asks the child's supervisor to start it again. The supervisor answers `replyTo` with
 * `supervisor.result` (`running`, `restarting`, `not found`, a dynamic supervisor's refusal, or why
 * the start failed); this returns why not when the path names no supervisor to ask.
 */
export function requestRestart(
  root: AnyActorRef,
  path: readonly string[],
  replyTo: AnyActorRef,
): { ok: true } | { ok: false; why: string } {
  const id = path.at(-1);
  if (id === undefined) return { ok: false, why: 'an empty path names no child' };
  const above = path.slice(0, -1);
  const supervisor = above.length === 0 ? root : findChild(root, above)?.ref;
  const where = above.join('/');
  if (!supervisor) return { ok: false, why: `no running supervisor ${where}` };
  const snapshot = supervisor.getSnapshot() as { context?: unknown };
  if (!isSupervisorContext(snapshot.context)) return { ok: false, why: `${where} is not a supervisor` };
  const request: RestartChildEvent = { type: 'supervisor.restart_child', id, replyTo };
  supervisor.send(request);
  return { ok: true };
}
